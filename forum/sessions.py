"""
Database sessions kept in forum.UserSession, which knows its member and device.

Keys are checked before they reach the database; the row's ``user``,
``device`` and ``last_seen`` columns are copied from the session data when
it is saved (Django's "extending database-backed session engines").
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.dateparse import parse_datetime

# Keys of the session data this engine copies into columns.
DEVICE_KEY = "_device"
SEEN_KEY = "_seen"


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from forum.models import UserSession

        return UserSession

    def _validate_session_key(self, key: str | None) -> bool:
        # Django's keys are lower-case letters and digits; anything else in a
        # cookie (a NUL byte crashes PostgreSQL) is simply no session.
        return bool(key) and key.isascii() and key.isalnum() and super()._validate_session_key(key)

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        user_id = data.get("_auth_user_id")
        try:
            instance.user_id = int(user_id) if user_id is not None else None
        except (TypeError, ValueError):
            instance.user_id = None
        instance.device = str(data.get(DEVICE_KEY, ""))[:40]
        seen = data.get(SEEN_KEY)
        instance.last_seen = parse_datetime(seen) if isinstance(seen, str) else None
        return instance
