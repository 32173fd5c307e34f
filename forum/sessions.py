"""Database sessions that refuse malformed keys before they reach the database."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        # Django's keys are lower-case letters and digits; anything else in a
        # cookie (a NUL byte crashes PostgreSQL) is simply no session.
        return bool(key) and key.isascii() and key.isalnum() and super()._validate_session_key(key)
