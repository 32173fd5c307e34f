"""WebSocket routes, all under /ws/ (see docs/realtime-protocol.md)."""

from django.urls import path, re_path

from . import consumers, webinars

websocket_urlpatterns = [
    re_path(r"^ws/rooms/(?P<room_id>[^/]+)/$", consumers.RoomConsumer.as_asgi()),
    re_path(r"^ws/threads/(?P<thread_id>[^/]+)/$", consumers.ThreadConsumer.as_asgi()),
    re_path(r"^ws/webinars/(?P<session_id>[^/]+)/$", webinars.WebinarRoomConsumer.as_asgi()),
    path("ws/notifications/", consumers.NotificationsConsumer.as_asgi()),
    # Last: any other path closes with 4404 rather than failing in the router (1011).
    re_path(r"", consumers.UnknownPathConsumer.as_asgi()),
]
