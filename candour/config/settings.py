"""Candour settings: one file, driven by the environment.

The defaults make a fresh checkout run on an embedded SQLite database (WAL mode) with
DEBUG on. A real deployment sets CANDOUR_SECRET_KEY, CANDOUR_DEBUG=0, CANDOUR_ALLOWED_HOSTS
and DATABASE_URL (for example postgres://candour@db/candour).
"""

import os
from pathlib import Path

import dj_database_url

from candour.config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("CANDOUR_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("CANDOUR_DEBUG", True)
SECRET_KEY = os.environ.get(
    "CANDOUR_SECRET_KEY",
    "insecure-development-key-set-CANDOUR_SECRET_KEY-in-production" if DEBUG else "",
)
ALLOWED_HOSTS = os.environ.get("CANDOUR_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CANDOUR_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-ninja as an app so the API docs use its bundled Swagger UI, not a CDN.
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "candour.organisations",
    "candour.cases",
    "candour.letters",
    "candour.audit",
    "candour.coding",
    "candour.reporting",
    "candour.web",
    "candour.intake",
]

MIDDLEWARE = [
    # /healthz and /readyz, answered before anything else (candour/config/health.py).
    "candour.config.health.HealthMiddleware",
    # One log line per request, with its request id (candour/config/logs.py).
    "candour.config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Text with characters that cannot be kept (NUL...) is refused here, for every door.
    "candour.config.edge.TextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Every staff page needs a session verified with the second factor (candour/web/signin.py).
    "candour.web.signin.VerifiedStaffMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "candour.config.urls"
WSGI_APPLICATION = "candour.config.wsgi.application"

TEMPLATES = [
    {
        # The staff web application: Jinja2 with the NHS.UK design system's macros.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "candour.web.jinja.environment",
            "context_processors": ["candour.web.scope.context"],
        },
    },
    {
        # The Django admin and django-ninja's API docs.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "candour.sqlite3"}
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A database that does not answer fails a request (and /readyz) in seconds rather
        # than after the operating system's TCP timeout of minutes.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
        # No JIT compilation: Candour's queries are short, and compiling one cost more than it
        # saved (the worklist's queue counts at 1,000,000 cases: 86 ms with JIT, 57 without, 43
        # of them compiling; a national annual report no faster with it). docs/performance.md
        options = config.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock at BEGIN, so two writers queue instead
        # of failing with "database is locked" when one upgrades a read lock.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000;"
            ),
        }
        # Tests use a file, not memory, so that threads in concurrency tests share it; one
        # file per test process, so that two test runs in one checkout never share one.
        config["TEST"] = {"NAME": str(DATA_DIR / f"test-candour-{os.getpid()}.sqlite3")}
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The NHS.UK design system's compiled CSS, JavaScript and images, copied from node_modules by
# `python -m candour.web.assets` (run by ./dev); git-ignored.
ASSETS_DIR = BASE_DIR / "build" / "static"
ASSETS_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [ASSETS_DIR]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
# Attachments on cases (letters, statements): kept on disk outside the database and outside
# anything served as static files; downloaded only through the case's access check.
ATTACHMENTS_DIR = Path(os.environ.get("CANDOUR_ATTACHMENTS_DIR", DATA_DIR / "attachments"))
ATTACHMENT_MAX_BYTES = int(os.environ.get("CANDOUR_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names, compressed copies: candour/config/static.py.
        "BACKEND": "candour.config.static.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username or address before the password is read.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after repeated failures, passwords and codes alike (candour/web/signin.py).
AXES_FAILURE_LIMIT = int(os.environ.get("CANDOUR_LOCKOUT_FAILURES", 5))
AXES_COOLOFF_TIME = int(os.environ.get("CANDOUR_LOCKOUT_MINUTES", 30)) / 60  # hours
# Per account, not per address: a hospital's staff often share one outgoing address, and
# locking it would lock them all out. (axes.W006 asks for the address; see SILENCED below.)
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "candour.web.signin.locked_out"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Candour"

# Idle timeout: a session ends after this many minutes without a request.
SESSION_IDLE_MINUTES = int(os.environ.get("CANDOUR_SESSION_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# The cookie carries Max-Age (the idle timeout) and is sent again with every response, so
# the browser forgets it once the session has ended on the server too.
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp 4: our own origin only; no inline scripts or styles, no other origins, no frames.
# Swagger UI (the API docs) draws its icons as data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("CANDOUR_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Django's cache in the database, so that the public form's rate limits hold across every
# gunicorn worker with no extra server (the table is created by migrate: candour/intake).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "candour_cache",
    }
}
# The public feedback form and status page (candour/intake).
CANDOUR_PUBLIC_SUBMISSIONS_PER_HOUR = int(os.environ.get("CANDOUR_PUBLIC_SUBMISSIONS_PER_HOUR", 10))
CANDOUR_PUBLIC_STATUS_CHECKS_PER_HOUR = int(
    os.environ.get("CANDOUR_PUBLIC_STATUS_CHECKS_PER_HOUR", 20)
)
# The public survey page (/survey/): survey keys that did not match, per client address and
# hour, before it answers 429 (candour/cases/key_attempts.py).
CANDOUR_PUBLIC_SURVEY_KEY_FAILURES_PER_HOUR = int(
    os.environ.get("CANDOUR_PUBLIC_SURVEY_KEY_FAILURES_PER_HOUR", 10)
)
CANDOUR_PUBLIC_MAX_REQUEST_BYTES = 128 * 1024
# Behind a reverse proxy, the request header holding the client's address (for example
# HTTP_X_REAL_IP); empty means REMOTE_ADDR.
CANDOUR_CLIENT_ADDRESS_HEADER = os.environ.get("CANDOUR_CLIENT_ADDRESS_HEADER", "")

LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:worklist"

# JSON lines on standard error with CANDOUR_DEBUG=0, plain text in development; one line per
# request and per error (candour/config/logs.py). gunicorn's own lines use it too.
LOGGING = logging_config(debug=DEBUG, level=os.environ.get("CANDOUR_LOG_LEVEL", "WARNING"))

# --- The audit trail's key and checkpoints (candour/audit/keys.py, docs/adr/0014) -------------
# Events are sealed with an HMAC under a key kept outside the database; the chain's head is
# checkpointed, signed, to an append-only file outside it. The key is CANDOUR_AUDIT_KEY (its
# text) or the file CANDOUR_AUDIT_KEY_FILE: in development `audit.key` in the data directory,
# created on first use; in production it must be set (`candour audit createkey --path FILE`)
# and kept, and backed up, apart from the database.
CANDOUR_AUDIT_KEY = os.environ.get("CANDOUR_AUDIT_KEY", "")
CANDOUR_AUDIT_KEY_FILE = os.environ.get("CANDOUR_AUDIT_KEY_FILE") or (
    str(DATA_DIR / "audit.key") if DEBUG else ""
)
CANDOUR_AUDIT_CHECKPOINT_FILE = os.environ.get(
    "CANDOUR_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.log")
)
