"""ASGI entry point: HTTP to Django (over-size bodies refused first); WebSockets, origin-checked and
authenticated, to the plug-ins' routes.

Every WebSocket route is behind the origin check (``AllowedHostsOriginValidator``) and the session and user
(``realtime.portal_auth_stack``: Channels' ``AuthMiddlewareStack`` reading users concurrently).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school_portal.settings.dev")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from school_portal.core.body_limit import RequestBodyLimitMiddleware  # noqa: E402
from school_portal.core.daphne_requests import skip_twisted_form_parsing  # noqa: E402
from school_portal.core.realtime import portal_auth_stack  # noqa: E402
from school_portal.core.registry import websocket_routes  # noqa: E402
from school_portal.core.warm_start import warm_start  # noqa: E402
from school_portal.core.wsgi_in_threads import WsgiInThreads  # noqa: E402

skip_twisted_form_parsing()  # under Daphne: uploads are not parsed in memory before Django sees them


def websocket_urlpatterns() -> list:
    return [route for routes in websocket_routes for route in routes]


# ASGI_HTTP=wsgi-threads: the whole request in one of a pool of threads, crossing sync/async once
# (core/wsgi_in_threads.py); by default Django's ASGI handler. The figures: docs/benchmarks.md, "Serving".
http_app = WsgiInThreads() if os.environ.get("ASGI_HTTP") == "wsgi-threads" else django_asgi_app

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimitMiddleware(http_app),  # 413 before an over-size body is read
        "websocket": AllowedHostsOriginValidator(portal_auth_stack(URLRouter(websocket_urlpatterns()))),
    }
)
warm_start()  # before the first request or socket: the garbage collector's full passes skip what is loaded by now
