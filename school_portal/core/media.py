"""What Django serves under ``MEDIA_URL`` when it serves media itself (development, tests: ``SERVE_MEDIA``).

Only Wagtail's image renditions (``images/``): they are what pages show. Original images (``original_images/``,
a teacher's photo as taken) and documents (``documents/``, served by Wagtail's view after the access policy)
are not served from here, nor by nginx in production (docs/operations.md, "nginx").
"""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, re_path
from django.views.static import serve

RENDITIONS_DIR = "images"


def media_urlpatterns() -> list[URLPattern]:
    prefix = settings.MEDIA_URL.lstrip("/")
    return [
        # The document root is the renditions' folder itself: "images/../original_images/x" cannot climb out.
        re_path(
            rf"^{prefix}{RENDITIONS_DIR}/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT / RENDITIONS_DIR},
        )
    ]
