from django.urls import path

from . import views

urlpatterns = [
    path("communautes/<slug:slug>/salon/", views.salon, name="salon"),
    # The HTTP side of docs/realtime-protocol.md
    path("salons/<int:room_id>/evenements/", views.room_events, name="room_events"),
    path("salons/<int:room_id>/historique/", views.room_history, name="room_history"),
    path("salons/<int:room_id>/envoyer/", views.room_send, name="room_send"),
    path("salons/messages/<int:pk>/modifier/", views.message_edit, name="message_edit"),
    path("salons/messages/<int:pk>/supprimer/", views.message_delete, name="message_delete"),
]
