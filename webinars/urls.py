from .views import calendar, radio, report, room, sessions

urlpatterns = (
    sessions.urlpatterns
    + room.urlpatterns
    + calendar.urlpatterns
    + report.urlpatterns
    + radio.urlpatterns
)
