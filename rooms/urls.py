from django.urls import path

from . import views

urlpatterns = [
    path("communautes/<slug:slug>/salon/", views.salon, name="salon"),
    # The HTTP side of docs/realtime-protocol.md: every action, and the room's log.
    path("salles/<int:room_id>/action/", views.room_action, name="room_action"),
    # The voice door: the same actions with a recording, by multipart POST; and the notes.
    path("salles/<int:room_id>/voix/", views.room_voice, name="room_voice"),
    path("salles/<int:room_id>/voix/<int:pk>/", views.voice_file, name="room_voice_file"),
    path("salons/<int:room_id>/evenements/", views.room_events, name="room_events"),
    path("salons/<int:room_id>/historique/", views.room_history, name="room_history"),
]
