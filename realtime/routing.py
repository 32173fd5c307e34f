"""WebSocket routes, all under /ws/. Consumers arrive with the live-forum work."""

websocket_urlpatterns: list = []
