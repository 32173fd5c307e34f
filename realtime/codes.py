"""The application's WebSocket close codes (docs/realtime-protocol.md), spelt once."""

BAD_REQUEST, LOGIN_REQUIRED, ACCESS_LOST, NOT_FOUND = 4400, 4401, 4403, 4404
