"""The portal's only settings module: everything comes from the environment.

Every variable is listed in docs/operations.md. A variable that is present but malformed
stops start-up with one line naming it, and so does a production start without
the secrets it needs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.FileAwareEnv()  # NAME_FILE=/run/secrets/x works for every variable


def _fail(message: str) -> None:
    raise SystemExit(f"portal: configuration error: {message}")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    _fail(f"{name}={raw!r} is not a boolean; use true or false")
    return default


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        _fail(f"{name}={raw!r} is not a whole number")
        return default
    if minimum is not None and value < minimum:
        _fail(f"{name}={value} must be at least {minimum}")
    return value


def env_str(name: str, default: str = "") -> str:
    value = env.str(name, default=default)
    return str(value).strip()


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env_str(name).split(",") if item.strip()]


def _dev_secret(path: Path, make: Any) -> str:
    """A development secret generated once into var/, so restarts keep sessions and data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(env_str("PORTAL_VAR_DIR") or BASE_DIR / "var")
if not VAR_DIR.is_absolute():
    VAR_DIR = BASE_DIR / VAR_DIR
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- secrets and hosts -------------------------------------------------------

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        _fail("SECRET_KEY is not set; production (DEBUG=false) needs a long random value")
    SECRET_KEY = _dev_secret(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        _fail("ALLOWED_HOSTS is not set; list the host names the portal answers to")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        _fail(
            "FIELD_ENCRYPTION_KEYS is not set; generate a key with "
            "`DEBUG=true uv run manage.py generate_encryption_key`"
        )

    def _new_fernet_key() -> str:
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()

    FIELD_ENCRYPTION_KEYS = [_dev_secret(VAR_DIR / "field_encryption_key", _new_fernet_key)]
else:
    from cryptography.fernet import Fernet

    for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
        try:
            Fernet(_key.encode())
        except (ValueError, TypeError):
            _fail(
                f"FIELD_ENCRYPTION_KEYS key #{_position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)"
            )

SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.netloc:
    _fail(f"SITE_URL={SITE_URL!r} must be an absolute http(s) URL such as https://portal.example")
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

# --- applications ------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.usersessions",
    "portal",
    "connectors",
    "connectors.providers.intercom",
    "connectors.providers.intercom.sandbox",
    "connectors.notify",
    "connectors.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"
AUTH_USER_MODEL = "portal.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "portal.context_processors.portal",
                "portal.context_processors.team_nav",
                "connectors.context_processors.sandboxes",
            ],
        },
    },
]

# --- database, cache, broker -------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        _db = env.db_url_config(DATABASE_URL)
    except Exception:
        _fail("DATABASE_URL is not a database URL such as postgres://user:pass@host:5432/name")
    if _db.get("ENGINE") not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        _fail("DATABASE_URL must be a postgres:// URL (or sqlite:////absolute/path)")
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db["CONN_MAX_AGE"] = 0  # the psycopg 3 pool keeps connections instead
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 10, minimum=1),
            "timeout": 10,
        }
    _db["CONN_HEALTH_CHECKS"] = True
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    _fail(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Lets several portals (or test runs) share one Redis without seeing each other's keys.
CACHES["default"]["KEY_PREFIX"] = env_str("CACHE_KEY_PREFIX")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Retries a lost broker at least every half dispatch interval (see portal/celery.py).
CELERY_WORKER_CONSUMER = "portal.celery:PromptConsumer"
HEALTH_DISPATCH_SECONDS = env_int("HEALTH_DISPATCH_SECONDS", 30, minimum=1)
HEARTBEAT_INTERVAL = env_int("HEARTBEAT_INTERVAL", 15, minimum=1)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {
        "task": "portal.tasks.heartbeat",
        "schedule": float(HEARTBEAT_INTERVAL),
        "options": {"expires": HEARTBEAT_INTERVAL * 4},
    },
    # The health engine (connectors/tasks.py).
    "dispatch-due-checks": {
        "task": "connectors.dispatch_due_checks",
        "schedule": float(HEALTH_DISPATCH_SECONDS),
        "options": {"expires": 60},
    },
    "rollup-fleet": {"task": "connectors.rollup_fleet", "schedule": 300.0},
    "prune-history": {"task": "connectors.prune_history", "schedule": crontab(hour=3, minute=17)},
    # The counts behind /ops/ and /metrics (connectors/tally.py).
    "tally-compact": {
        "task": "connectors.tally_compact",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Notifications (connectors/notify/tasks.py): missed events, due retries, summaries.
    "notify-sweep": {"task": "notify.sweep", "schedule": 30.0, "options": {"expires": 60}},
}
# "Check now" goes to its own queue, so it never waits behind scheduled batches.
CELERY_TASK_ROUTES = {"connectors.check_now": {"queue": "priority"}}
HEALTH_RATE_SHARE_PERCENT = env_int("HEALTH_RATE_SHARE_PERCENT", 10, minimum=1)
# The engine's other knobs (defaults live in connectors/engine/config.py); set from the
# environment only when present, so worker processes can run with test timings too.
for _knob in (
    "BATCH_SIZE", "CLAIM_CHUNK", "LEASE_SECONDS", "CONCURRENCY", "PER_HOST",
    "REFRESH_AHEAD_SECONDS", "REFRESH_STALE_SECONDS", "CHECK_NOW_COALESCE_SECONDS",
    "PROBE_CONNECT_TIMEOUT", "PROBE_READ_TIMEOUT", "PROBE_TOTAL_TIMEOUT",
    "MIN_INTERVAL_SECONDS", "FAILING_AFTER", "RECOVER_AFTER", "CONFIRM_DELAY_SECONDS",
    "BASE_BACKOFF_SECONDS",
):  # fmt: skip
    _raw = os.environ.get(f"HEALTH_{_knob}", "").strip()
    if _raw:
        try:
            vars()[f"HEALTH_{_knob}"] = float(_raw)
        except ValueError:
            _fail(f"HEALTH_{_knob}={_raw!r} is not a number")

# --- email -------------------------------------------------------------------

EMAIL_URL = env_str("EMAIL_URL") or ("consolemail://" if DEBUG else "smtp://localhost:25")
try:
    vars().update(env.email_url_config(EMAIL_URL))
except Exception:
    _fail(f"EMAIL_URL={EMAIL_URL!r} is not an email URL such as smtp+tls://user:pass@host:587")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Connector Portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- accounts (django-allauth) -------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
# Encrypts TOTP secrets and recovery-code seeds at rest (portal.secrets.mfa).
MFA_ADAPTER = "portal.adapters.MFAAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_TIMEOUT", 300, minimum=30)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Connector Portal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _site.scheme
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Connector Portal"
USERSESSIONS_TRACK_ACTIVITY = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
# Registered apps are hidden allauth sub-providers that connect workspaces, never log in.
SOCIALACCOUNT_ADAPTER = "connectors.adapters.SocialAccountAdapter"

# --- static files --------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if not env_bool("STATIC_MANIFEST", not DEBUG)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
with contextlib.suppress(OSError):  # WhiteNoise warns on every request without the folder
    STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG

# --- security ------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

# --- product settings ------------------------------------------------------------

SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", DEBUG)
# Empty: each provider's sandbox is this portal's own /sandbox/<provider>/.
SANDBOX_BASE_URL = env_str("SANDBOX_BASE_URL").rstrip("/")
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Staff viewers of /ops/ share its figures this long (0: compute on every request).
OPS_CACHE_SECONDS = env_int("OPS_CACHE_SECONDS", 10, minimum=0)
# Webhook URLs on loopback/private/link-local addresses: refused in production (SSRF).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", DEBUG)
# Requests per minute one API key may make.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120, minimum=1)
# Requests per minute from one address, keys or not (0: five times the per-key limit).
API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = env_int(
    "API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", 0, minimum=0
)
PORTAL_NAME = env_str("PORTAL_NAME", "Connector Portal")

# --- logging ---------------------------------------------------------------------

LOG_FORMAT = env_str("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in {"text", "json"}:
    _fail(f"LOG_FORMAT={LOG_FORMAT!r} must be text or json")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    _fail(f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "portal.logs.RedactingFilter"},
        "quiet_403": {"()": "portal.logs.ExpectedForbiddenFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["quiet_403", "redact"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
