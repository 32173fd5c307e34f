from django.urls import path

from . import views

urlpatterns = [
    path("communautes/<slug:slug>/salon/", views.salon, name="salon"),
    # The HTTP side of docs/realtime-protocol.md: every action, and the room's log.
    path("salles/<int:room_id>/action/", views.room_action, name="room_action"),
    path("salons/<int:room_id>/evenements/", views.room_events, name="room_events"),
    path("salons/<int:room_id>/historique/", views.room_history, name="room_history"),
]
