"""ASGI entry point: Django for HTTP, the realtime router for WebSockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django (apps, models) before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402

from config import runtime  # noqa: E402
from config.warm_threads import WarmThreads  # noqa: E402
from realtime.admission import AdmissionMiddleware  # noqa: E402
from realtime.middleware import SocketAuthMiddleware, SocketSessionMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Each request's sync code on a warm pool thread (config/warm_threads.py).
        "http": WarmThreads(django_asgi_app, settings.HTTP_WARM_THREADS),
        # The session is read once and never touched again as frames go out;
        # the user is read by the consumer, in its first database call (see
        # realtime/middleware.py).
        # A socket beyond the handshake queue is turned away before any of it
        # (realtime/admission.py).
        "websocket": AllowedHostsOriginValidator(
            AdmissionMiddleware(
                CookieMiddleware(
                    SocketSessionMiddleware(SocketAuthMiddleware(URLRouter(websocket_urlpatterns)))
                )
            )
        ),
    }
)

# Everything above lives as long as the process: keep the garbage collector
# off it (see config/runtime.py and docs/benchmarks.md).
runtime.tune_garbage_collector(settings.GC_THRESHOLDS)
# The event loop and the database thread take turns more often (see runtime).
runtime.set_switch_interval(settings.SWITCH_INTERVAL)
