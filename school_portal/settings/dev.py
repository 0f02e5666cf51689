"""Development: the embedded defaults, DEBUG on unless told otherwise."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
# The demo's push subscriptions may point at a local test endpoint (docs/operations.md).
PUSH_TEST_ENDPOINTS = PUSH_TEST_ENDPOINTS or ["http://127.0.0.1", "http://localhost"]  # noqa: F405
