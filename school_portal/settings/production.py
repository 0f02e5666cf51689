"""Production: everything from the environment; passes ``manage.py check --deploy`` with no warnings."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment (50 characters or more).")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
# Nothing of ours is framed; Wagtail's page preview sets SAMEORIGIN on its own responses.
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_SECURE = True

# --- Sign-in (school_portal/core/two_factor.py, handoff.py; docs/operations.md) ---------------------------------
# School admins, centre staff and superusers must set up a second factor.
STAFF_TWO_FACTOR_REQUIRED = env_bool("STAFF_TWO_FACTOR_REQUIRED", True)
# The session cookie is shared with the schools' sites under SESSION_COOKIE_DOMAIN (base.py) when they have a
# common parent domain; CSRF's cookie stays per host.
# --- end of sign-in ---------------------------------------------------------------------------------------------

# --- Web Push (school_portal/core/push.py) ----------------------------------------------------------------------
# The VAPID key comes from the environment (`check --deploy` says so when it is missing: a key file made on one
# machine would differ on the next), and no endpoint outside HTTPS on a public address is ever accepted.
PUSH_TEST_ENDPOINTS = []
PUSH_VAPID_MAKE_DEV_KEY = False

WHITENOISE_USE_FINDERS = False
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")  # noqa: F405
