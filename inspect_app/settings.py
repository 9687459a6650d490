"""Django settings, read from the environment.

Without DATABASE_URL and REDIS_URL the dashboard runs on an embedded default:
a SQLite file in the checkout, tasks run in-process, an in-memory cache. With
them it runs on PostgreSQL with Celery workers over Redis.

A ``.env`` file in the checkout (written by ``make run``) is read first;
variables already set in the environment win. INSPECT_ENV_FILE names another
file, or none.
"""

import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from inspect_app.environment import (
    database_config,
    env_bool,
    env_float,
    env_int,
    env_list,
    read_env_file,
    redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

read_env_file(os.environ.get("INSPECT_ENV_FILE", str(BASE_DIR / ".env")))

DEBUG = env_bool("DEBUG", False)

# Only for DEBUG: a production start-up refuses it (below).
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value when DEBUG is off")
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is too short: use at least 32 random characters")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "rest_framework",
    "drf_spectacular",
    "forces",
    "inspect_app.accounts",
    "inspect_app.inspections",
    "inspect_app.sampling",
    "inspect_app.compliance",
    "inspect_app.judgement",
    "inspect_app.publication",
    "inspect_app.uploads",
    "inspect_app.api",
    "inspect_app.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The headers go on outside everything that can answer a request itself (a redirect
    # for a missing slash, the end of a session, a refused form): every response has them.
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Past the static files, nothing is kept by a browser or proxy (casework above all).
    "inspect_app.core.headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor, if any, this session has passed (request.user.is_verified()):
    # django-otp's, reading the device with its person in one query.
    "inspect_app.accounts.backends.OTPMiddleware",
    # Every page needs a signed-in user unless it says otherwise (sign-in itself).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages, so a session it ends can say why on the sign-in page.
    "inspect_app.accounts.sessions.SessionLimitsMiddleware",
    # After the session limits (an ended session is signed out, not asked for a code):
    # no page with data opens before the second factor is passed.
    "inspect_app.accounts.second_factor.SecondFactorRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees every failed sign-in the views report.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "inspect_app.urls"
WSGI_APPLICATION = "inspect_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "inspect_app.dashboard.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_config("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-in while a username/address pair is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the person's force with them (one query a request).
    "inspect_app.accounts.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 (memory-hard) hashes every new or changed password. The others only
# check the hashes stored before it, and a sign-in with one rehashes it in Argon2.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# A session ends this long after sign-in whatever the activity (an inspector's
# working day), and after SESSION_IDLE_TIMEOUT without a request: a machine
# left signed in is not left open for long (inspect_app/accounts/sessions.py).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30, minimum=1))
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sign-in throttling: five failures for one username from one address lock
# that pair out for a while; a success clears the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# The second factor (inspect_app/accounts/second_factor.py). Authenticator apps show the
# issuer beside the code; the admin never shows a device's secret.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Crime-recording inspections")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Security keys and passkeys (inspect_app/accounts/security_keys.py), as a second factor
# only: a key never stands in for the password. A key is bound to the host name the
# person opened; WEBAUTHN_ORIGINS lists the addresses it may answer from where that is
# not simply this site's own (for example behind a proxy that rewrites the host).
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_RP_ID_CALLABLE = "inspect_app.accounts.security_keys.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "inspect_app.accounts.security_keys.SecurityKeyHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
WEBAUTHN_ORIGINS = env_list("WEBAUTHN_ORIGINS", [])
# The library's own origin list: what its system check reads. Left empty, the helper
# answers for this site's own address, which ALLOWED_HOSTS has already checked.
OTP_WEBAUTHN_ALLOWED_ORIGINS = WEBAUTHN_ORIGINS
SILENCED_SYSTEM_CHECKS = [] if WEBAUTHN_ORIGINS else ["otp_webauthn.E030"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts hashed, compressed copies (inspect_app/staticfiles.py).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # plotly.js straight from the installed plotly package: served by the
    # project itself (never a CDN: users' networks are closed), never committed.
    # Found, not imported: importing plotly would cost every command's start-up.
    ("vendor/plotly", Path(find_spec("plotly").origin).resolve().parent / "package_data"),
]
# The charts draw only bar and scatter traces (with error bars), which plotly.js's
# basic bundle holds at a quarter of the full one's size: a first chart page parses
# 1.2 MB of script instead of 4.8 MB. It comes from npm (package.json, installed by
# `make setup`, of the same plotly.js version as the plotly package); where npm was
# not there, the full bundle inside the plotly package draws the same charts.
PLOTLY_BASIC_DIR = BASE_DIR / "node_modules" / "plotly.js-basic-dist-min"
if (PLOTLY_BASIC_DIR / "plotly-basic.min.js").is_file():
    STATICFILES_DIRS.append(("vendor/plotly-basic", PLOTLY_BASIC_DIR))
    PLOTLY_SCRIPT = "vendor/plotly-basic/plotly-basic.min.js"
else:
    PLOTLY_SCRIPT = "vendor/plotly/plotly.min.js"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "inspect_app.staticfiles.CollectedStaticFilesStorage"},
}
# Uploaded batch files are kept outside anything served.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "uploads"))

REDIS_URL = redis_url("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions stay in the database (Django's engine, read with one written query: see
# inspect_app/accounts/session_store.py), with or without Redis: a copy
# in the cache that outlived a failed delete (Redis away while someone signed out, or
# while ``end_sessions_of`` ended a deactivated person's sessions) would bring the
# session back with Redis, and an unreachable Redis must not sign everyone out.
SESSION_ENGINE = "inspect_app.accounts.session_store"

# Celery: over Redis when it is configured, otherwise run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only when done, so one whose worker dies runs again;
# tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that then dies is handed out again after this many
# seconds. Longer than any task runs; short enough that a lost import resumes
# soon.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 15 * 60, minimum=1),
    # Look for such tasks every 10 seconds (the scan is one small Redis query),
    # not every tenth look, so one comes back soon after its timeout.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_RESULT_EXPIRES = timedelta(days=1)
# With the broker down, give up queueing within a second or so and say so,
# instead of holding the request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = TIME_ZONE
# Lets a test run give its own worker a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")

# Figures: an interval wider than this half-width (a fraction) is "not
# statistically reliable".
RELIABILITY_THRESHOLD = env_float("RELIABILITY_THRESHOLD", 0.05, low=0, high=1)
# A burst of review saves waits this long, then causes one recompute.
FIGURES_RECOMPUTE_DELAY_SECONDS = env_int("FIGURES_RECOMPUTE_DELAY_SECONDS", 2, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Lock-outs and sign-ins are in the audit log; axes' own chatter is not needed.
    "loggers": {
        "axes": {"level": "WARNING"},
        # The embedded default's in-memory broker has no host, which kombu
        # warns about each time a task is sent: nothing is wrong.
        **({} if REDIS_URL else {"kombu.connection": {"level": "ERROR"}}),
    },
}

# Scripts, styles and charts come from this site only: no inline script, no
# eval, no third-party host. Charts carry their data as JSON and are drawn by
# the project's own static script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Health checks come over plain HTTP from inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# The read-only API (inspect_app/api, docs/api.md): Django REST framework, with personal
# access tokens or a session that has passed its second factor; OpenAPI by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "inspect_app.api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crime-recording inspections API",
    "DESCRIPTION": "Read-only figures: live for the inspectorate's staff, published "
    "(small counts suppressed) for commissioners. Rows have compliance_report's fields.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "inspect_app.api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
# A figure whose denominator is under this is suppressed in everything a commissioner
# sees and every published output (docs/publication.md).
SUPPRESSION_MIN_COUNT = env_int("SUPPRESSION_MIN_COUNT", 10, minimum=1)
