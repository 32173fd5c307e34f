from .views import calendar, report, room, sessions

urlpatterns = sessions.urlpatterns + room.urlpatterns + calendar.urlpatterns + report.urlpatterns
