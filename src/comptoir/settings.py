"""Comptoir settings, read from the environment.

COMPTOIR_MODE picks the defaults: ``production`` (the default: strict, needs SECRET_KEY),
``demo`` (what ``make demo`` runs: a secret key generated into var/, static files served by
WhiteNoise from the apps' folders) and ``test``.
Every other knob is an environment variable documented in the README.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("COMPTOIR_VAR_DIR", PROJECT_DIR / "var"))

MODE = os.environ.get("COMPTOIR_MODE", "production")
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"COMPTOIR_MODE must be production, demo or test, not {MODE!r}")
IS_PRODUCTION = MODE == "production"


# One helper per kind of value: a bad one stops here with a line naming the variable.
from comptoir.ops.env import (  # noqa: E402
    env_admins,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_networks,
)


def _demo_secret_key() -> str:
    """A key kept in var/ so that demo sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (at least 50 random characters)."
        )
    SECRET_KEY = "test-only-secret-key-" + "x" * 40 if MODE == "test" else _demo_secret_key()

# Key for the secrets kept in app settings (Fernet, see core/crypto.py). Defaults to one
# derived from SECRET_KEY; set it separately to rotate SECRET_KEY without losing secrets.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")

# Off in the demo too: people trying the product see its own error pages (404, 403, 500), not
# Django's debug page listing the URL patterns. DEBUG=1 brings the debug page back for a
# developer; tracebacks are in the console (comptoir/ops/logs.py) either way.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if IS_PRODUCTION else "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth's sessions page ("il y a 3 minutes")
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    # django-ninja's own static Swagger UI (no CDN, no inline script): see CSP below.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # Identity (issue 9): django-allauth's e-mail login, password reset and change, login
    # throttling, sessions list, two-factor (mfa) and per-firm single sign-on (socialaccount).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",  # per-firm SSO (comptoir.sso)
    "allauth.usersessions",
    "comptoir.core",
    "comptoir.accounts",
    "comptoir.firms",
    "comptoir.companies",
    "comptoir.audit",
    "comptoir.store",
    "comptoir.assignments",
    "comptoir.documents",
    "comptoir.deliveries",
    "comptoir.sso",
    "comptoir.portal",
    "comptoir.ops",
    "comptoir.demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "comptoir.ops.middleware.RequestIdMiddleware",
    "comptoir.ops.views.ProbeMiddleware",  # /healthz, /readyz, /metrics: before host checks
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "comptoir.accounts.middleware.SessionLifetimeMiddleware",  # idle and maximum age
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A firm that requires two-factor: its users without one are led to set it up.
    "comptoir.accounts.middleware.TwoFactorRequiredMiddleware",
    "comptoir.core.middleware.ClientIpMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # stays last
]

ROOT_URLCONF = "comptoir.urls"
WSGI_APPLICATION = "comptoir.wsgi.application"
ASGI_APPLICATION = "comptoir.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "comptoir.tenancy.context_processors.tenant",
                "comptoir.companies.context_processors.pending_invitations",
            ],
        },
    },
]
if MODE == "demo":  # the demo's logins on the login page (comptoir/demo/context_processors.py)
    TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
        "comptoir.demo.context_processors.demo_logins"
    )

# Database: SQLite under var/ by default (WAL, immediate transactions so that the web
# server and the worker do not trip over each other), anything dj-database-url reads otherwise.
DEFAULT_SQLITE_PATH = VAR_DIR / "comptoir.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
# Persistent connections (60 s), checked at the start of each request, on SQLite as on
# PostgreSQL: a page does not open a connection of its own (on SQLite, connecting costs about
# 1 ms of CPU: the PRAGMAs below, the functions Django registers), and a connection the
# database dropped is replaced before the request uses it, not an error.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:start"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth (see accounts/adapter.py): e-mail login, no username, no open sign-up (people
# come in by invitation only), no e-mail verification (the invitation link proved the
# address). Pages keep our URLs (/connexion/, /deconnexion/, /mot-de-passe-oublie/); the rest
# lives under /compte/ with our templates (templates/account/, templates/mfa/...).
ACCOUNT_ADAPTER = "comptoir.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "comptoir.accounts.forms.LoginForm",
    "reset_password": "comptoir.accounts.forms.ResetPasswordForm",
    "change_password": "comptoir.accounts.forms.ChangePasswordForm",
    "reset_password_from_key": "comptoir.accounts.forms.ResetPasswordKeyForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # the user stays in; their other sessions end
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False  # a link, single-use (Django's token)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Comptoir · "
ACCOUNT_PREVENT_ENUMERATION = True
# "Mot de passe oublié ?": the same answer for every address, and no e-mail to an address
# without an account; the link works once (the key depends on the password it replaces) and
# for PASSWORD_RESET_TIMEOUT seconds. E-mails go through the task queue (accounts/adapter.py).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_NOTIFICATIONS = True  # "your password was changed"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600, minimum=300, unit="seconds")
# Throttling (a cache shared by every web process, see CACHES): wrong passwords per client IP
# and per address, password-reset requests, the login form itself. Over a limit: HTTP 429.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_FAILURE_LIMITS", "10/m/ip,20/15m/key"),
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# The API: wrong bearer tokens from one client IP in a minute before it gets 429 for the rest
# of that minute (tenancy/api.py BearerTokenAuth).
API_TOKEN_FAILURE_LIMIT = env_int("API_TOKEN_FAILURE_LIMIT", 20, minimum=1)
# Sessions (accounts/middleware.py): one ends after SESSION_IDLE_TIMEOUT without a request
# (sliding), and SESSION_MAX_AGE after its login whatever happens. "Mon compte" lists them
# (allauth.usersessions; its activity tracking is ours, at most one write a minute).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 12 * 3600, minimum=60, unit="seconds")
SESSION_MAX_AGE = env_int("SESSION_MAX_AGE", 7 * 86400, minimum=60, unit="seconds")
SESSION_COOKIE_AGE = SESSION_MAX_AGE
ACCOUNT_SESSION_COOKIE_AGE = SESSION_MAX_AGE
USERSESSIONS_TRACK_ACTIVITY = False
# Two-factor (allauth.mfa, see accounts/mfa.py): an authenticator app (TOTP) with recovery
# codes, and passkeys (WebAuthn) as a second factor or to log in without a password. The TOTP
# secret and the recovery codes' seed are encrypted like our other secrets (core/crypto.py).
# WebAuthn needs a secure context: HTTPS, or http://localhost (not 127.0.0.1, an IP address
# cannot be a relying party): fido2 accepts both without MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN,
# which would switch off its origin check, so it stays off everywhere.
MFA_ADAPTER = "comptoir.accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Comptoir"
MFA_TOTP_TOLERANCE = 1  # the code before and after too: phones' clocks drift a little
MFA_RECOVERY_CODE_COUNT = 10
# Single sign-on per firm (comptoir.sso): allauth's OpenID Connect provider, one SocialApp per
# firm made by the firm's settings (no secret in it: the adapter decrypts ours). Sign-up only
# through the adapter's rules (a verified domain); PKCE always; no provider tokens kept.
SOCIALACCOUNT_ADAPTER = "comptoir.sso.adapter.FirmSocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
if MODE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day first with a 24-hour clock (core/formats/en/), not Django's American ones.
FORMAT_MODULE_PATH = ["comptoir.core.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Without DEBUG, runserver serves no static file: in the demo WhiteNoise serves them straight
# from the apps' static folders (no collectstatic), and sees an edited stylesheet at once.
WHITENOISE_USE_FINDERS = MODE == "demo" or DEBUG
WHITENOISE_AUTOREFRESH = MODE == "demo" or DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]  # the project-wide stylesheet and images
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded files go to an S3-compatible object store (AWS, MinIO, Scaleway, OVH...) when
# S3_BUCKET is set. Objects stay private: every download streams through our views, never
# through a public or signed URL. Without keys, boto3's own chain (AWS_* variables, IAM role).
S3_BUCKET = os.environ.get("S3_BUCKET", "").strip()
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", "").strip("/"),
            # Reads past 5 MiB spill to a temporary file instead of staying in memory.
            "max_memory_size": 5 * 1024 * 1024,
            "default_acl": None,  # private: the bucket's own policy, never public-read
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# E-mail: SMTP by default; the demo and tests swap the backend.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if MODE == "test"
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 15, minimum=1, unit="seconds")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Comptoir <no-reply@comptoir.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Deliveries: the outbound-address guard refuses loopback destinations unless this is on
# (on by default in demo mode only, for the local sinks; tests turn it on where they need it).
DELIVERY_ALLOW_LOOPBACK = env_bool("DELIVERY_ALLOW_LOOPBACK", MODE == "demo")
# Tiles: addresses on this machine, a local network or a bare IP are refused (store/
# urls_safety.py) unless this is on (demo mode only, for local sites; tests turn it on).
TILE_ALLOW_LOCAL_ADDRESSES = env_bool("TILE_ALLOW_LOCAL_ADDRESSES", MODE == "demo")

# The address people open, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if SITE_URL.startswith("http://") else "https"

# Background work: django-tasks. Database backend by default; RQ on Redis when asked.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if MODE == "test" else "database")
REDIS_URL = os.environ.get("REDIS_URL", "")
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (redis://host:6379/0).")
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 360}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be database, rq or immediate, not {TASKS_BACKEND!r}"
    )
# Deliveries: sent by `comptoir deliveries-worker`, a loop that claims due rows from the
# database itself (no task per attempt), unless DELIVERY_SENDER=tasks: then one task per
# attempt goes through the backend above (the tests: the immediate backend sends at once).
DELIVERY_SENDER = os.environ.get(
    "DELIVERY_SENDER", "tasks" if TASKS_BACKEND == "immediate" else "worker"
)
if DELIVERY_SENDER not in ("worker", "tasks"):
    raise ImproperlyConfigured(f"DELIVERY_SENDER must be worker or tasks, not {DELIVERY_SENDER!r}")
# On PostgreSQL the delivery worker's own connection prepares the statements it repeats
# (server-side parameters). Turn off behind pgbouncer in transaction pooling older than 1.21
# (or without max_prepared_statements), which cannot keep prepared statements.
DELIVERY_WORKER_PREPARED_STATEMENTS = env_bool("DELIVERY_WORKER_PREPARED_STATEMENTS", True)
# On PostgreSQL the delivery worker's claims and records wait for the disk flush as every other
# commit (on, the default). off: they do not (faster; deliveries/rows.py says what a crash of
# the database server could then cost: a repeat under the same key, the lost attempt's row).
DELIVERY_WORKER_SYNCHRONOUS_COMMIT = env_bool("DELIVERY_WORKER_SYNCHRONOUS_COMMIT", True)

# Cache: what every web process must share (login throttling counts, allauth's rate limits).
# The database by default (table created by migration accounts 0004), Redis when REDIS_URL
# is set.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "comptoir_cache",
        }
    )
}

# Invitations
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7, minimum=1, unit="days")

# Documents: the largest file one upload may carry (20 MiB by default).
DOCUMENT_MAX_UPLOAD_BYTES = env_int(
    "DOCUMENT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1, unit="bytes"
)

# Backups (``comptoir backup``) and retention (``comptoir housekeeping``, see ops/housekeeping.py;
# the audit floor of 365 days is checked there, so that a typo cannot erase a year of history).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
INVITATION_RETENTION_DAYS = env_int("INVITATION_RETENTION_DAYS", 30, minimum=0, unit="days")
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 14, minimum=0, unit="days")
DELIVERY_DETAIL_RETENTION_DAYS = env_int(
    "DELIVERY_DETAIL_RETENTION_DAYS", 90, minimum=0, unit="days"
)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=0, unit="days")

# Security: strict in production (``comptoir check --deploy`` is clean), relaxed elsewhere.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: scripts only from our own static
# files (no inline script, no on…= attribute, no eval: htmx runs with allowEval off), styles
# from our files plus the one <style nonce> block of base.html (the firm's colours), images
# from us or data: URLs (the admin's and Swagger's icons). Logos set a stricter one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", CSP_NONCE],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0, unit="seconds")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: to stderr, readable text by default, one JSON object per line with LOG_FORMAT=json
# (comptoir/ops/logs.py). ADMINS get an e-mail per server error when DEBUG is off.
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical"))
from comptoir.ops.logs import logging_config  # noqa: E402

LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL.upper())
ADMINS = env_admins("ADMINS")

# Error reporting: Sentry when SENTRY_DSN is set (no personal data unless asked).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from comptoir.ops.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", MODE),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0.0),
        with_rq=TASKS_BACKEND == "rq",
    )

# Readiness (/readyz): the sweep's last pass and the oldest due delivery may be this old.
READY_SWEEP_MAX_AGE_SECONDS = env_int("READY_SWEEP_MAX_AGE_SECONDS", 300, minimum=1, unit="seconds")
READY_DELIVERY_OVERDUE_SECONDS = env_int(
    "READY_DELIVERY_OVERDUE_SECONDS", 3600, minimum=1, unit="seconds"
)

# Metrics (/metrics): answered only to this bearer token or these addresses (404 when neither).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS")

# Client addresses (audit events, login throttling, sessions): X-Forwarded-For is believed
# only from these proxies (addresses or networks, e.g. 10.0.0.0/8,127.0.0.1); none by default.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
METRICS_DB_CACHE_SECONDS = env_float("METRICS_DB_CACHE_SECONDS", 10.0, minimum=0.0)
PROMETHEUS_EXPORT_MIGRATIONS = False

NINJA_PAGINATION_PER_PAGE = 50
API_PAGE_MAX = 200
