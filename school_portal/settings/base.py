"""Settings shared by every environment.

Everything that differs between a laptop, CI and production is read from the environment here:
``DATABASE_URL`` (default: an SQLite file under ``var/``), ``REDIS_URL`` (unset: Channels' in-memory layer
and the local-memory cache), ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DEBUG``.
"""

import copy
import json
import os
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Personal files never served from MEDIA_ROOT (uploaded rosters, printed sheets, jobs' files): the access policy
# serves them. Shared by the web and worker processes (on several machines: a shared volume).
PRIVATE_ROOT = Path(os.environ.get("PORTAL_PRIVATE_ROOT", VAR_DIR / "private"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env_bool("DEBUG", False)
# Each school is a Wagtail Site; in development they live on <school>.localhost.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1,[::1],testserver")

# The five plug-ins. Each depends on school_portal only; removing one from this list removes its URLs,
# menus and blocks and leaves the rest working (tests/school_portal/test_plugin_removal.py).
PORTAL_PLUGINS = [
    "classrooms",
    "coding_lab",
    "parent_notices",
    "exchange",
    "library_wifi",
]
_disabled = set(env_list("PORTAL_DISABLED_PLUGINS"))
PORTAL_PLUGINS = [p for p in PORTAL_PLUGINS if p not in _disabled]

INSTALLED_APPS = [
    "daphne",
    "school_portal.core",
    *PORTAL_PLUGINS,
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.frontend_cache",  # purges a caching proxy on publish, when FRONTEND_CACHE_URL names one
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",  # "Translate" in the admin: a page or snippet copied to a locale
    "wagtail.embeds",
    "wagtail.sites",
    "school_portal.core.users_app.PortalUsersAppConfig",  # wagtail.users, its filters sized for a city
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",  # after the core: the core's ``db_worker`` (stale-job recovery) extends this app's
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages for visitors not signed in, from the cache before the rest runs (core/page_cache.py).
    "school_portal.core.page_cache.AnonymousPageCacheMiddleware",
    # A few pages every guardian opens at once (the storm morning), before the rest (core/guardian_fast_paths.py).
    "school_portal.core.guardian_fast_paths.GuardianFastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "school_portal.core.language.AccountLanguageMiddleware",
    "school_portal.core.handoff.SignInHandoffMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "school_portal.core.session_policy.SessionPolicyMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "school_portal.core.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "school_portal.core.middleware.SecurityHeadersMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "school_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "school_portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "school_portal.core.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "school_portal.wsgi.application"
ASGI_APPLICATION = "school_portal.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a writer commits; the timeout rides out short write contention.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, so that psycopg prepares a query a connection has run DB_PREPARE_THRESHOLD
    # times: PostgreSQL then skips parsing and planning it (a child's lesson page runs the same few queries all day
    # long; ~0.6 ms less per query here, docs/benchmarks.md). Django leaves preparing off for PgBouncer's sake;
    # we pool in the process. DB_PREPARE_THRESHOLD=0 turns it off (PgBouncer < 1.21 in transaction mode).
    _prepare_after = int(os.environ.get("DB_PREPARE_THRESHOLD", "5"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": _prepare_after or None}
    )
    if int(os.environ.get("DB_POOL_SIZE", "0")):
        # Under Daphne (ASGI) every request runs in its own thread, so persistent connections (DB_CONN_MAX_AGE)
        # are never reused and pile up until PostgreSQL refuses more; a per-process pool reuses them instead
        # (docs/benchmarks.md). Django's pool excludes persistent connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 2,
            "max_size": int(os.environ["DB_POOL_SIZE"]),
            "timeout": 10,
        }

# At 10x: reads on a streaming replica (core/db_router.py; docs/operations.md, section 12). Off unless set. The
# replica is reached as the primary is (pool, prepared statements); tests mirror it on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]),
        "OPTIONS": copy.deepcopy(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["school_portal.core.db_router.PrimaryReplicaRouter"]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis with a pool that waits for a free connection rather than failing at 100
            # (school_portal/core/channel_layer.py): sized for 1,000 sockets per worker, docs/operations.md.
            "BACKEND": "school_portal.core.channel_layer.PooledRedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times reads out after 5 s by default, exactly when channels-redis's blocking
                # receive (BZPOPMIN, 5 s) answers: the race killed idle consumers at random. Read longer.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": int(os.environ.get("CHANNELS_REDIS_POOL_SIZE", "100")),
                        "timeout": float(os.environ.get("CHANNELS_REDIS_POOL_TIMEOUT", "20")),
                    }
                ],
                "prefix": os.environ.get("CHANNELS_PREFIX", "asgi"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "school_portal.core.cache.SharedPoolRedisCache",  # one connection pool per process
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "portal"),
        }
    }
    # Sessions read from Redis, written through to the database (they survive a Redis restart): one query less
    # on every signed-in request. Not on the local-memory cache: each process would keep its own stale copy.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background tasks (docs/operations.md): queued in the database and run by `manage.py db_worker` processes,
# or run inside the request with TASKS_BACKEND=immediate (the test run's default).
TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
TASKS = {"default": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "database")]}
# A running job's worker writes a heartbeat this often; another worker takes a job whose heartbeat is older
# than the lease for abandoned (its worker was killed), and runs it again up to JOB_MAX_ATTEMPTS times in all.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
JOB_LEASE_SECONDS = float(os.environ.get("JOB_LEASE_SECONDS", "60"))
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "2"))

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
# Where signing out lands, except for a child: PortalLogoutView sends them back to the student sign-in page.
LOGOUT_REDIRECT_URL = "core:login"
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"
# The admin's sign-in form says plainly when the sign-in throttle has locked the door.
WAGTAILADMIN_USER_LOGIN_FORM = "school_portal.core.forms.ThrottledWagtailLoginForm"

LANGUAGE_CODE = "ja"
# The languages whose interface is translated (catalogues under locale/ and each app's locale/): the only ones the
# language switch offers, saved to an account (User.preferred_language) or taken from a browser.
PORTAL_UI_LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
# Content languages (notices, library pages): Wagtail's own locales (WAGTAIL_CONTENT_LANGUAGES, which Wagtail
# requires to be a subset of LANGUAGES). やさしい日本語 (plain Japanese for newcomers, with furigana) has no
# registered BCP 47 subtag, so it takes the private-use extension of Japanese: "ja-x-easy" (RFC 5646 §2.2.7), which
# falls back to "ja" wherever a language is looked up by prefix. Django knows neither it nor Filipino ("fil",
# ISO 639-2/3; "tl" is Tagalog): both are added to Django's LANG_INFO below.
LANGUAGES = [
    ("ja", _("Japanese")),
    ("ja-x-easy", _("Easy Japanese")),
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
    ("ko", _("Korean")),
    ("vi", _("Vietnamese")),
    ("fil", _("Filipino")),
    ("pt-br", _("Brazilian Portuguese")),
    ("ne", _("Nepali")),
]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LANG_INFO.setdefault("fil", {"bidi": False, "code": "fil", "name": "Filipino", "name_local": "Filipino"})
LANG_INFO.setdefault(
    "ja-x-easy", {"bidi": False, "code": "ja-x-easy", "name": "Easy Japanese", "name_local": "やさしい日本語"}
)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "school_portal" / "static"]
# Front-end packages from npm (package.json, installed by scripts/bootstrap), served by the project itself.
NPM_STATIC = {"vendor/blockly": "blockly", "vendor/js-interpreter": "js-interpreter/lib"}
STATICFILES_DIRS += [
    (prefix, BASE_DIR / "node_modules" / package)
    for prefix, package in NPM_STATIC.items()
    if (BASE_DIR / "node_modules" / package).is_dir()
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Django serves image renditions under MEDIA_URL itself (never original images or documents: core/media.py);
# in production nginx does, and this stays off.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# Daphne serves the static files itself through WhiteNoise: no CDN and no separate file server needed.
WHITENOISE_USE_FINDERS = True
# Media (images, renditions, documents): the local disk (MEDIA_ROOT) on one machine; on several, a storage all app
# processes share, named by MEDIA_STORAGE_BACKEND (a Django storage class: django-storages' S3 backend, or the
# file-system one on a shared volume) with its options as JSON in MEDIA_STORAGE_OPTIONS (docs/operations.md).
try:
    MEDIA_STORAGE_OPTIONS = json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS") or "{}")
except ValueError as error:
    raise ImproperlyConfigured(f"MEDIA_STORAGE_OPTIONS is not JSON: {error}") from error
if not isinstance(MEDIA_STORAGE_OPTIONS, dict):
    raise ImproperlyConfigured('MEDIA_STORAGE_OPTIONS must be a JSON object, e.g. {"bucket_name": "portal-media"}')
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("MEDIA_STORAGE_BACKEND") or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": MEDIA_STORAGE_OPTIONS,
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: size-limited everywhere; Pillow's decompression-bomb guard stays on (its default).
# The largest request body any endpoint takes, refused with 413 before it is read (core/body_limit.py); nginx's
# client_max_body_size is the same (docs/operations.md). Each endpoint then has its own, smaller cap below.
REQUEST_BODY_MAX_BYTES = int(os.environ.get("REQUEST_BODY_MAX_BYTES", 16 * 1024 * 1024))
# Form fields and JSON bodies read into memory (request.body, request.POST without files).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files over this go to a temporary file on disk as they arrive (TemporaryFileUploadHandler).
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
WAGTAILDOCS_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "school_portal.core.images.PortalImageForm"
ROSTER_MAX_UPLOAD_BYTES = 10 * 1024 * 1024

WAGTAIL_SITE_NAME = "School portal"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAIL_I18N_ENABLED = True
WAGTAILSEARCH_BACKENDS = {
    # "simple": no English stemming of a multilingual city's text; Japanese is indexed as grams (core/search_text.py)
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "simple"}
}
# Documents only through Wagtail's serve view, which asks the access policy (before_serve_document hook).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "csv", "txt", "odt", "ods", "odp"]
WAGTAIL_ENABLE_UPDATE_CHECK = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Sign-in throttling (school_portal/core/throttle.py) ---------------------------------------------------------
# Attempts are counted per pair (account + address, class code + tablet, invitation + address); after the free ones
# each attempt waits a doubling delay (base .. max seconds). An address gets a looser allowance across accounts.
# There is no lock per account or per class: nobody can lock anyone else out.
LOGIN_THROTTLE_FREE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_FREE_ATTEMPTS", "5"))
# Young children mistype their badge: a tablet gets more free tries per class (a badge is one of 32^8 codes).
LOGIN_THROTTLE_BADGE_FREE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_BADGE_FREE_ATTEMPTS", "10"))
# One address across every account: a staff room, a household, a school's router with 40 tablets behind it.
LOGIN_THROTTLE_ADDRESS_FREE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ADDRESS_FREE_ATTEMPTS", "100"))
LOGIN_THROTTLE_ROUTER_FREE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ROUTER_FREE_ATTEMPTS", "300"))
LOGIN_THROTTLE_BASE_DELAY_SECONDS = int(os.environ.get("LOGIN_THROTTLE_BASE_DELAY_SECONDS", "30"))
LOGIN_THROTTLE_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_THROTTLE_MAX_DELAY_SECONDS", "900"))
# A counter left quiet this long after its last delay starts again from nothing.
LOGIN_THROTTLE_WINDOW_SECONDS = int(os.environ.get("LOGIN_THROTTLE_WINDOW_SECONDS", "900"))
# --- end of sign-in throttling -----------------------------------------------------------------------------------

# --- Sessions per role (school_portal/core/session_policy.py, docs/operations.md) ------------------------------
# Staff: OWASP ASVS L2: an idle timeout, an absolute lifetime, and the password again for the admin after a pause.
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("STAFF_SESSION_IDLE_SECONDS", "1800"))
STAFF_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("STAFF_SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
ADMIN_REAUTH_IDLE_SECONDS = int(os.environ.get("ADMIN_REAUTH_IDLE_SECONDS", "900"))
# Guardians stay signed in on their own phone, counted from their last visit; their account page ends them all.
GUARDIAN_SESSION_SECONDS = int(os.environ.get("GUARDIAN_SESSION_SECONDS", str(30 * 24 * 3600)))
# One sign-in for the portal and every school's site (school_portal/core/handoff.py, docs/operations.md). With a
# common parent domain (portal.city.example, <slug>.city.example), SESSION_COOKIE_DOMAIN=.city.example shares the
# session cookie; otherwise (development: localhost and <slug>.localhost) the portal hands the sign-in over.
SESSION_COOKIE_DOMAIN = os.environ.get("SESSION_COOKIE_DOMAIN") or os.environ.get("PORTAL_PARENT_DOMAIN") or None
# Wagtail pages for visitors not signed in are served from the cache for this long (core/page_cache.py; 0: off).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
# A caching proxy in front (nginx proxy_cache with its purge module, or Varnish): a publish, unpublish or move sends
# it a PURGE for the page and the pages above it (wagtail.contrib.frontend_cache, core/page_cache.py). Off unless
# FRONTEND_CACHE_URL names the proxy's purge address, e.g. http://127.0.0.1:6081 (docs/operations.md).
FRONTEND_CACHE_URL = os.environ.get("FRONTEND_CACHE_URL", "").strip()
if FRONTEND_CACHE_URL:
    WAGTAILFRONTENDCACHE = {
        "default": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": FRONTEND_CACHE_URL}
    }
# How long the proxy may keep a page the portal shares (X-Accel-Expires, read by nginx and by our Varnish VCL): a
# publish purges at once; a snippet, setting or school change reaches the proxy's copies only when they expire.
FRONTEND_CACHE_SECONDS = int(os.environ.get("FRONTEND_CACHE_SECONDS", "60"))
WAGTAILFRONTENDCACHE_LANGUAGES: list[str] = []  # the language is not in the address: one purge per address
SIGNIN_HANDOFF_SECONDS = int(os.environ.get("SIGNIN_HANDOFF_SECONDS", "60"))
SIGNIN_HANDOFF_RECHECK_SECONDS = int(os.environ.get("SIGNIN_HANDOFF_RECHECK_SECONDS", "300"))
# A second factor (school_portal/core/two_factor.py): offered to all staff, required of school admins, centre staff
# and superusers when on (production.py: on unless STAFF_TWO_FACTOR_REQUIRED=0).
STAFF_TWO_FACTOR_REQUIRED = env_bool("STAFF_TWO_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "School portal")
# --- end of sessions per role ------------------------------------------------------------------------------------

# Live notifications (school_portal/core/realtime.py): a socket sending a bigger message, or more messages in
# one second, is closed. Daphne's own --websocket-max-message-size caps frames before they reach Django.
REALTIME_MAX_MESSAGE_BYTES = int(os.environ.get("REALTIME_MAX_MESSAGE_BYTES", "4096"))
REALTIME_MAX_MESSAGES_PER_SECOND = int(os.environ.get("REALTIME_MAX_MESSAGES_PER_SECOND", "10"))

# Guardian invitation codes expire after this many days.
GUARDIAN_INVITATION_DAYS = 60

# The Japanese font embedded in every PDF (badges, invitation letters, worksheets). Debian: fonts-ipaexfont-gothic.
PDF_JAPANESE_FONT = os.environ.get("PDF_JAPANESE_FONT", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
# Fonts for the characters the Japanese font lacks, chosen per character: IPAmj明朝 (Debian: fonts-ipamj-mincho)
# holds the ~58,000 MJ characters made for the names of people (𠮷, 髙, 﨑 ...), so every child's name prints.
PDF_FALLBACK_FONTS = env_list("PDF_FALLBACK_FONTS", "/usr/share/fonts/truetype/ipamj/ipamjm.ttf")

# Personal data is kept no longer than its retention rule says (days); a task enforces it. Each rule brings
# its own default (school_portal/core/retention.py and each plug-in's rules); this setting overrides one per
# key, e.g. RETENTION_LOGIN_ATTEMPTS_DAYS=14 in the environment sets RETENTION_DAYS["login_attempts"] = 14.
RETENTION_DAYS = {
    name.removeprefix("RETENTION_").removesuffix("_DAYS").lower(): int(value)
    for name, value in os.environ.items()
    if name.startswith("RETENTION_") and name.endswith("_DAYS") and name != "RETENTION_DAYS"
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

AUTHENTICATION_BACKENDS = [
    "school_portal.core.backends.ThrottledModelBackend",
    "school_portal.core.backends.StudentBadgeBackend",
]

# Web Push (school_portal/core/push.py, docs/operations.md "Push notifications"). The VAPID key identifies the
# portal to the browsers' push services: PUSH_VAPID_PRIVATE_KEY (base64url raw key or PEM, from
# `manage.py push_vapid_keys`); without it the embedded run makes one into var/ (production refuses to start).
PUSH_VAPID_PRIVATE_KEY = os.environ.get("PUSH_VAPID_PRIVATE_KEY", "")
PUSH_VAPID_KEY_FILE = Path(os.environ.get("PUSH_VAPID_KEY_FILE", VAR_DIR / "vapid-private.pem"))
PUSH_VAPID_SUBJECT = os.environ.get("PUSH_VAPID_SUBJECT", "mailto:portal@localhost")
PUSH_VAPID_MAKE_DEV_KEY = True  # the embedded run makes its own key into PUSH_VAPID_KEY_FILE
# Endpoints refused otherwise (not HTTPS, or a private/loopback address) that tests and the demo may use, as
# "scheme://host" or "scheme://host:port". Production empties it.
PUSH_TEST_ENDPOINTS = [item for item in os.environ.get("PUSH_TEST_ENDPOINTS", "").split(",") if item]
PUSH_TIMEOUT_SECONDS = float(os.environ.get("PUSH_TIMEOUT_SECONDS", "10"))
# Waits before each retry of a push that timed out or got a 5xx/429; then it is given up.
PUSH_RETRY_SECONDS = [float(s) for s in os.environ.get("PUSH_RETRY_SECONDS", "30,120,600,1800").split(",")]
PUSH_BATCH_SIZE = int(os.environ.get("PUSH_BATCH_SIZE", "200"))  # deliveries a worker claims at once
PUSH_SEND_THREADS = int(os.environ.get("PUSH_SEND_THREADS", "8"))  # requests in flight per worker
PUSH_FANOUT_TASKS = int(os.environ.get("PUSH_FANOUT_TASKS", "4"))  # tasks sharing one message's deliveries
# A claimed delivery whose worker says nothing for this long is given to another worker.
PUSH_CLAIM_LEASE_SECONDS = float(os.environ.get("PUSH_CLAIM_LEASE_SECONDS", "300"))
