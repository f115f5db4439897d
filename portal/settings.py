"""The portal's only settings module: everything comes from the environment (in
development also from var/dev.env, which `manage.py up` writes; the environment wins).

Every variable is listed in docs/operations.md. A variable that is present but malformed
stops start-up with one line naming it, and so does a production start without
the secrets it needs.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from portal.clientaddr import parse_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent


def _fail(message: str) -> NoReturn:
    raise SystemExit(f"portal: configuration error: {message}")


_FALSE_WORDS = frozenset({"false", "off", "no", "n", "0"})


class _Env(environ.FileAwareEnv):
    """django-environ's casts (and NAME_FILE=/run/secrets/x for every variable), with a
    malformed value stopping start-up in one line that names the variable: environ itself
    raises a bare ValueError for a bad number and reads any unknown word as false, so
    DEBUG=ture would quietly mean production."""

    BOOLEAN_WORDS = frozenset({*environ.Env.BOOLEAN_TRUE_STRINGS, *_FALSE_WORDS})

    def get_value(
        self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET,
        parse_default: bool = False,
    ) -> Any:  # fmt: skip
        raw = self.ENVIRON.get(var)
        if cast is bool and raw is not None and raw.strip().lower() not in self.BOOLEAN_WORDS:
            _fail(f"{var}={raw!r} is not a boolean; use true or false")
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, ImproperlyConfigured) as error:
            _fail(f"{var}={raw!r} is not valid ({error})")


env = _Env()


def _at_least(name: str, value: int, minimum: int) -> int:
    if value < minimum:
        _fail(f"{name}={value} must be at least {minimum}")
    return value


def _dev_secret(path: Path, make: Any) -> str:
    """A development secret generated once into var/, so restarts keep sessions and data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default="") or BASE_DIR / "var")
if not VAR_DIR.is_absolute():
    VAR_DIR = BASE_DIR / VAR_DIR
VAR_DIR.mkdir(parents=True, exist_ok=True)

# `manage.py up` writes the development settings it runs with here (DEBUG, the secrets it
# generated, SITE_URL with its port, the sandbox), so that every other manage.py command
# (createsuperuser, check_connections, ...) runs with the same ones. The real environment
# wins, and an explicit DEBUG=false (production) never reads the file.
DEV_SETTINGS_FILE = VAR_DIR / "dev.env"
DEV_SETTINGS_LOADED: frozenset[str] = frozenset()  # the names the file supplied
_debug_word = env.str("DEBUG", default="").strip().lower()
if DEV_SETTINGS_FILE.is_file() and _debug_word not in _FALSE_WORDS:
    _before = set(env.ENVIRON)
    env.read_env(DEV_SETTINGS_FILE)
    DEV_SETTINGS_LOADED = frozenset(set(env.ENVIRON) - _before)

DEBUG = env.bool("DEBUG", default=False)

# --- secrets and hosts -------------------------------------------------------

SECRET_KEY = env.str("SECRET_KEY", default="").strip()
if not SECRET_KEY:
    if not DEBUG:
        _fail(
            "SECRET_KEY is not set; production (DEBUG=false) needs a long random value "
            "(for development, run `uv run manage.py up` once: it writes var/dev.env)"
        )
    SECRET_KEY = _dev_secret(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50))

if not DEBUG and len(SECRET_KEY) < 50:
    _fail(
        f"SECRET_KEY has {len(SECRET_KEY)} characters; production needs at least 50 random "
        "ones, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", cast=str.strip, default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        _fail("ALLOWED_HOSTS is not set; list the host names the portal answers to")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", cast=str.strip, default=[])
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

SITE_URL = env.str("SITE_URL", default="http://localhost:8000").strip().rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.netloc:
    _fail(f"SITE_URL={SITE_URL!r} must be an absolute http(s) URL such as https://portal.example")
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

# --- the sandbox (development and tests only) ----------------------------------

# A stand-in provider whose control API has no authentication: never in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
if SANDBOX_ENABLED and not DEBUG:
    _fail(
        "SANDBOX_ENABLED=true needs DEBUG=true: the sandbox's control API has no "
        "authentication, so production never serves it; unset SANDBOX_ENABLED"
    )
# Empty: each provider's sandbox is this portal's own /sandbox/<provider>/.
SANDBOX_BASE_URL = env.str("SANDBOX_BASE_URL", default="").strip().rstrip("/")

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
    "connectors.notify",
    "connectors.api",
]
if SANDBOX_ENABLED:  # production does not even install it
    INSTALLED_APPS.append("connectors.providers.intercom.sandbox")

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

DATABASE_URL = env.str("DATABASE_URL", default="").strip()
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
            "max_size": _at_least(
                "DATABASE_POOL_SIZE", env.int("DATABASE_POOL_SIZE", default=10), 1
            ),
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

REDIS_URL = env.str("REDIS_URL", default="").strip()
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    _fail(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")

if not REDIS_URL and not DEBUG:
    # Rate limits, sign-in locks and the engine's budget must be shared by every worker
    # process: a per-process cache lets each gunicorn worker count on its own.
    _fail(
        "REDIS_URL is not set; production (DEBUG=false) needs a shared cache for its rate "
        "limits, such as redis://redis:6379/0"
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # An unreachable Redis is an empty cache, never a 500: everything kept
                # there can be recomputed or is a best-effort counter (rate limits then
                # fail open for the outage, which /readyz reports).
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:  # development: one process's memory
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# Lets several portals (or test runs) share one Redis without seeing each other's keys.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="")

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
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
HEALTH_DISPATCH_SECONDS = _at_least(
    "HEALTH_DISPATCH_SECONDS", env.int("HEALTH_DISPATCH_SECONDS", default=30), 1
)
HEARTBEAT_INTERVAL = _at_least("HEARTBEAT_INTERVAL", env.int("HEARTBEAT_INTERVAL", default=15), 1)
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
HEALTH_RATE_SHARE_PERCENT = _at_least(
    "HEALTH_RATE_SHARE_PERCENT", env.int("HEALTH_RATE_SHARE_PERCENT", default=10), 1
)
# When the provider says an app has this share of its window left or less, checks wait.
HEALTH_RATE_LOW_PERCENT = env.int("HEALTH_RATE_LOW_PERCENT", default=20)
# The engine's other knobs, read by connectors/engine/config.py.
HEALTH_BATCH_SIZE = env.int("HEALTH_BATCH_SIZE", default=200)  # connections per batch task
HEALTH_CLAIM_CHUNK = env.int("HEALTH_CLAIM_CHUNK", default=2000)
# Longer than a batch's hard time limit, so a live batch never loses its lease.
HEALTH_LEASE_SECONDS = env.float("HEALTH_LEASE_SECONDS", default=180)
HEALTH_CONCURRENCY = env.int("HEALTH_CONCURRENCY", default=100)  # probes in flight per batch
HEALTH_PER_HOST = env.int("HEALTH_PER_HOST", default=100)
HEALTH_REFRESH_AHEAD_SECONDS = env.float("HEALTH_REFRESH_AHEAD_SECONDS", default=600)
# A refresh marker older than this belongs to an attempt that died.
HEALTH_REFRESH_STALE_SECONDS = env.float("HEALTH_REFRESH_STALE_SECONDS", default=180)
# Presses of "Check now" within this window make one check.
HEALTH_CHECK_NOW_COALESCE_SECONDS = env.float("HEALTH_CHECK_NOW_COALESCE_SECONDS", default=5)
HEALTH_PROBE_CONNECT_TIMEOUT = env.float("HEALTH_PROBE_CONNECT_TIMEOUT", default=5.0)
HEALTH_PROBE_READ_TIMEOUT = env.float("HEALTH_PROBE_READ_TIMEOUT", default=10.0)
HEALTH_PROBE_TOTAL_TIMEOUT = env.float("HEALTH_PROBE_TOTAL_TIMEOUT", default=15.0)
# The floor of a team's check interval (tests lower it).
HEALTH_MIN_INTERVAL_SECONDS = env.int("HEALTH_MIN_INTERVAL_SECONDS", default=60)
HEALTH_FAILING_AFTER = env.int("HEALTH_FAILING_AFTER", default=3)
HEALTH_RECOVER_AFTER = env.int("HEALTH_RECOVER_AFTER", default=2)
HEALTH_CONFIRM_DELAY_SECONDS = env.float("HEALTH_CONFIRM_DELAY_SECONDS", default=5)
HEALTH_BASE_BACKOFF_SECONDS = env.float("HEALTH_BASE_BACKOFF_SECONDS", default=30)
# A successful check slower than this makes a connection degraded (0: never).
HEALTH_SLOW_SECONDS = env.float("HEALTH_SLOW_SECONDS", default=5)
# Revoked connections are re-checked after the first wait, doubling up to the longest,
# for so many days after the revocation (then only a reconnect or "Check now").
HEALTH_RECHECK_FIRST_SECONDS = _at_least(
    "HEALTH_RECHECK_FIRST_SECONDS", env.int("HEALTH_RECHECK_FIRST_SECONDS", default=3600), 1
)
HEALTH_RECHECK_MAX_SECONDS = _at_least(
    "HEALTH_RECHECK_MAX_SECONDS", env.int("HEALTH_RECHECK_MAX_SECONDS", default=86400), 1
)
HEALTH_RECHECK_DAYS = _at_least(
    "HEALTH_RECHECK_DAYS", env.int("HEALTH_RECHECK_DAYS", default=30), 0
)
# A provider incident: at least this percent of at least so many connections of one
# provider and region, of at least so many teams, bad within the window. Dead tokens are
# then held as suspect for up to the hold.
HEALTH_INCIDENT_WINDOW_SECONDS = _at_least(
    "HEALTH_INCIDENT_WINDOW_SECONDS", env.int("HEALTH_INCIDENT_WINDOW_SECONDS", default=300), 1
)
HEALTH_INCIDENT_MIN_CONNECTIONS = _at_least(
    "HEALTH_INCIDENT_MIN_CONNECTIONS", env.int("HEALTH_INCIDENT_MIN_CONNECTIONS", default=10), 1
)
HEALTH_INCIDENT_MIN_PERCENT = _at_least(
    "HEALTH_INCIDENT_MIN_PERCENT", env.int("HEALTH_INCIDENT_MIN_PERCENT", default=20), 1
)
HEALTH_INCIDENT_MIN_TEAMS = _at_least(
    "HEALTH_INCIDENT_MIN_TEAMS", env.int("HEALTH_INCIDENT_MIN_TEAMS", default=2), 1
)
HEALTH_INCIDENT_HOLD_SECONDS = _at_least(
    "HEALTH_INCIDENT_HOLD_SECONDS", env.int("HEALTH_INCIDENT_HOLD_SECONDS", default=1800), 0
)
# Declared capabilities are checked after each connect or reconnect, then this often.
HEALTH_CAPABILITY_INTERVAL_SECONDS = _at_least(
    "HEALTH_CAPABILITY_INTERVAL_SECONDS",
    env.int("HEALTH_CAPABILITY_INTERVAL_SECONDS", default=6 * 3600),
    1,
)
# History kept: raw checks, daily roll-ups, state transitions.
HEALTH_RAW_CHECK_DAYS = env.int("HEALTH_RAW_CHECK_DAYS", default=2)
HEALTH_ROLLUP_DAYS = env.int("HEALTH_ROLLUP_DAYS", default=90)
HEALTH_TRANSITION_DAYS = env.int("HEALTH_TRANSITION_DAYS", default=365)

# --- email -------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="") or (
    "consolemail://" if DEBUG else "smtp://localhost:25"
)
try:
    _email: dict[str, Any] = env.email_url_config(EMAIL_URL)
except Exception:
    _fail(f"EMAIL_URL={EMAIL_URL!r} is not an email URL such as smtp+tls://user:pass@host:587")
# The parts the URL names; Django's defaults for the rest.
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = _email.get("OPTIONS", {}).get("TIMEOUT")
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or ""
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Connector Portal <portal@localhost>")
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
# A session older than the timeout must enter the password again before any change to
# its emails, password or MFA, and the address in use is told of every such change: a
# stolen session cannot quietly take the account over.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = _at_least(
    "REAUTHENTICATION_TIMEOUT", env.int("REAUTHENTICATION_TIMEOUT", default=300), 30
)
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
# Passwords per NIST SP 800-63B: length first (12 or more, no upper bound below Django's),
# no composition rules, and not one of the commonly used passwords (Django's offline
# list of 20,000; no maintained library offers an offline breached-password corpus).
ACCOUNT_PASSWORD_MIN_LENGTH = 12
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": ACCOUNT_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
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
            if not env.bool("STATIC_MANIFEST", default=not DEBUG)
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
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container's HEALTHCHECK (docker/healthcheck.py) asks on the plain HTTP port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = _at_least(
    "SECURE_HSTS_SECONDS", env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000), 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

# --- product settings ------------------------------------------------------------

METRICS_TOKEN = env.str("METRICS_TOKEN", default="").strip()
# Staff viewers of /ops/ share its figures this long (0: compute on every request).
OPS_CACHE_SECONDS = _at_least("OPS_CACHE_SECONDS", env.int("OPS_CACHE_SECONDS", default=10), 0)
# Webhook URLs on loopback/private/link-local addresses: refused in production (SSRF).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
# Requests per minute one API key may make.
API_RATE_LIMIT_PER_MINUTE = _at_least(
    "API_RATE_LIMIT_PER_MINUTE", env.int("API_RATE_LIMIT_PER_MINUTE", default=120), 1
)
# Requests per minute from one address, keys or not (0: five times the per-key limit).
API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = _at_least(
    "API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE",
    env.int("API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE", default=0),
    0,
)
PORTAL_NAME = env.str("PORTAL_NAME", default="Connector Portal").strip()
# Reverse proxies (addresses or CIDRs) whose X-Forwarded-For is believed; the client's
# address, which every limit keys on, is then the first untrusted hop (portal/clientaddr.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", cast=str.strip, default=[])
try:
    parse_trusted_proxies(TRUSTED_PROXIES)
except ValueError as _error:
    _fail(f"TRUSTED_PROXIES: {_error}")

# --- logging ---------------------------------------------------------------------

LOG_FORMAT = env.str("LOG_FORMAT", default="text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    _fail(f"LOG_FORMAT={LOG_FORMAT!r} must be text or json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").strip().upper()
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
        "text": {
            "()": "portal.logs.TextFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
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
