from .services import security


class SessionSeenMiddleware:
    """Refresh a signed-in session's "last seen" on requests that write (never on a GET)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in {"GET", "HEAD", "OPTIONS"} and hasattr(request, "user"):
            # Before SessionMiddleware (outer) saves the session on the way out.
            security.note_seen(request)
        return response
