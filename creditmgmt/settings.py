"""Settings for the credit management app, driven by environment variables.

Every variable has a safe default for a developer's machine; the helpers below
fail loudly on a value they cannot read, so a typo in production stops the
start instead of silently running with a default.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value; unset or empty means the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected true or false")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (or DEBUG=true on a developer machine; `make run` does that)"
        )
    SECRET_KEY = "django-insecure-dev-only-" + "x" * 40  # the prefix makes check --deploy refuse it

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "creditmgmt",
    "accounts",
    "acceptance",
    "dunning",
    "reporting",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_q",
    "ninja",  # its static files: the API docs page without a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in user unless marked public.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# /api/ (creditmgmt.wsgi): callers with a key, no sessions, cookies or sign-in pages. The
# headers every answer carries stay (security, frame and content policies, the language).
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "creditmgmt.urls"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "creditmgmt.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "creditmgmt.wsgi.application"

# SQLite by default so a newcomer needs no server; PostgreSQL via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        # A reused connection is checked before its first query of a request, so a restarted
        # server costs no failed request; on PostgreSQL without a round trip (creditmgmt.db).
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "creditmgmt.db.postgresql"
# The decision API's fixed statements are prepared on the server (creditmgmt.rows.hot_cursor).
# Turn off behind a connection pooler in transaction mode that does not keep prepared statements.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# An API key found valid is believed this many seconds in each server process (0: ask the
# database on every call). A deactivated client or a changed scope counts within this time.
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server and the worker read while the other writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

AUTH_USER_MODEL = "creditmgmt.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: failed attempts per username and per client address.
LOGIN_THROTTLE_ATTEMPTS = env_int("LOGIN_THROTTLE_ATTEMPTS", 5)
LOGIN_THROTTLE_WINDOW_SECONDS = env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 15 * 60)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_table",
    }
}
if env("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL"),
    }
# The customer portal's rate limits: counters in memory (per process: with several web
# workers each counts on its own) or, with REDIS_URL, shared by all workers. Not the
# database cache: every counter there costs a handful of queries per request.
CACHES["portal"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}
    if env("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}
)

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
# English dates day first (creditmgmt/formats/en): Django's "en" is American.
FORMAT_MODULE_PATH = ["creditmgmt.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also makes var/ for the SQLite file
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env("DJANGO_ENV") == "production"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Uploaded files waiting between preview and apply; never served.
IMPORT_STAGING_DIR = Path(env("IMPORT_STAGING_DIR", str(BASE_DIR / "var" / "imports")))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# A new dispute is due (answered, or escalated to its owner) after this many days.
DISPUTE_DUE_DAYS = env_int("DISPUTE_DUE_DAYS", 14)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mail: console by default; SMTP when EMAIL_HOST is set (Django 6.1 MAILERS).
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 25),
                "username": env("EMAIL_HOST_USER") or None,
                "password": env("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": env_int("EMAIL_TIMEOUT", 30),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}}
del EMAIL_HOST
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "credit@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Company details for letterheads, invoice copies and reminders.
COMPANY = {
    "name": env("COMPANY_NAME", "Voorbeeld Groothandel B.V."),
    "address": env("COMPANY_ADDRESS", "Industrieweg 12, 3542 AD Utrecht"),
    "country": env("COMPANY_COUNTRY", "NL"),
    "iban": env("COMPANY_IBAN", "NL91ABNA0417164300"),
    "bic": env("COMPANY_BIC", "ABNANL2A"),
    "kvk": env("COMPANY_KVK", "30123456"),
    "vat": env("COMPANY_VAT", "NL004495445B01"),
    "email": env("COMPANY_EMAIL", DEFAULT_FROM_EMAIL),
    "phone": env("COMPANY_PHONE", "+31 30 123 4567"),
    "currency": env("COMPANY_CURRENCY", "EUR"),
}

# Where people reach this site: links in reminders (the portal) and in mails to staff.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# Customer portal: how long a link lives, rate limits (requests per minute) and the upload limit.
PORTAL_TOKEN_DAYS = env_int("PORTAL_TOKEN_DAYS", 60)
PORTAL_RATE_PER_IP = env_int("PORTAL_RATE_PER_IP", 120)
PORTAL_RATE_PER_TOKEN = env_int("PORTAL_RATE_PER_TOKEN", 60)
# Wrong tokens per address in 10 minutes before the address is refused (guessing).
PORTAL_FAILED_PER_IP = env_int("PORTAL_FAILED_PER_IP", 20)
PORTAL_UPLOAD_MAX_BYTES = env_int("PORTAL_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# The payment provider behind "pay online"; the demo records a payment and says DEMO plainly.
PORTAL_PAYMENT_PROVIDER = env("PORTAL_PAYMENT_PROVIDER", "dunning.portal.payments.DemoProvider")

# Promises to pay and payment plans (docs/dunning.md, "Promises to pay" and "Payment plans").
PROMISE_GRACE_DAYS = env_int("PROMISE_GRACE_DAYS", 3)  # dunning waits until the promised date + this
PLAN_MAX_MONTHS = env_int("PLAN_MAX_MONTHS", 6)  # longer plans go to a manager
PLAN_MAX_AMOUNT = env("PLAN_MAX_AMOUNT", "25000.00")  # larger plans go to a manager (company currency)
PLAN_GRACE_DAYS = env_int("PLAN_GRACE_DAYS", 3)  # an installment is missed this long after its due date
PLAN_BREAK_AFTER_DAYS = env_int("PLAN_BREAK_AFTER_DAYS", 14)  # a miss unpaid this long breaks the plan

# Security: strict in production, relaxed only where DEBUG is on.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content Security Policy: our own scripts only, with a nonce (htmx is served from
# static and tagged by {% htmx_script %}); no eval, so no hx-on or trigger filters.
# Inline style attributes are allowed: htmx adds its indicator styles that way.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# django-q2: the ORM broker needs no Redis; REDIS_URL switches to Redis.
Q_CLUSTER = {
    "name": "creditmgmt",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 1800,
    "retry": 2400,
    "max_attempts": 2,
    "queue_limit": 50,
    "bulk": 10,
    "poll": 2,
    "catch_up": False,
    "orm": "default",
    "sync": env_bool("Q_SYNC", False),
}
# Processes the daily run's message steps fork on PostgreSQL (building texts and e-mails is
# Python work, one core each); see dunning/parallel.py. 1: everything in the worker itself.
DUNNING_PROCESSES = env_int("DUNNING_PROCESSES", 1)

if env("REDIS_URL"):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = env("REDIS_URL")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Bureau data: "local" reads the imported bureau files; "http" asks a bureau's JSON API
# (acceptance.bureau_http) and keeps what it fetched for ACCEPTANCE_BUREAU_TTL_DAYS.
ACCEPTANCE_BUREAU_PROVIDER = env("BUREAU_PROVIDER", "local")
if ACCEPTANCE_BUREAU_PROVIDER not in {"local", "http"}:
    raise ImproperlyConfigured(f"BUREAU_PROVIDER={ACCEPTANCE_BUREAU_PROVIDER!r}: expected local or http")
ACCEPTANCE_BUREAU_URL = env("BUREAU_URL")
if ACCEPTANCE_BUREAU_PROVIDER == "http" and not ACCEPTANCE_BUREAU_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("BUREAU_PROVIDER=http needs BUREAU_URL (http:// or https://)")
ACCEPTANCE_BUREAU_API_KEY = env("BUREAU_API_KEY")
ACCEPTANCE_BUREAU_TIMEOUT = float(env_int("BUREAU_TIMEOUT_MS", 3000)) / 1000
ACCEPTANCE_BUREAU_RETRIES = env_int("BUREAU_RETRIES", 2)
ACCEPTANCE_BUREAU_BACKOFF = float(env_int("BUREAU_BACKOFF_MS", 200)) / 1000
ACCEPTANCE_BUREAU_TTL_DAYS = env_int("BUREAU_TTL_DAYS", 30)

# Lists page sizes.
PAGE_SIZE = 25

# The shared inbox. The webhook takes raw MIME from a mail provider with this secret in the
# X-Inbox-Secret header; without a secret configured the webhook refuses everything.
INBOX_WEBHOOK_SECRET = env("INBOX_WEBHOOK_SECRET")
# First-response target: working days (Mon-Fri) after a mail arrives; past it, a task for the assignee.
INBOX_FIRST_RESPONSE_DAYS = env_int("INBOX_FIRST_RESPONSE_DAYS", 1)
if INBOX_FIRST_RESPONSE_DAYS < 0:
    raise ImproperlyConfigured(f"INBOX_FIRST_RESPONSE_DAYS={INBOX_FIRST_RESPONSE_DAYS}: expected 0 or more")
# Polled by the worker every few minutes when a host is set.
INBOX_IMAP = {
    "host": env("INBOX_IMAP_HOST"),
    "port": int(env("INBOX_IMAP_PORT", "993")),
    "ssl": env_bool("INBOX_IMAP_SSL", True),
    "starttls": env_bool("INBOX_IMAP_STARTTLS", False),
    "user": env("INBOX_IMAP_USER"),
    "password": env("INBOX_IMAP_PASSWORD"),
    "folder": env("INBOX_IMAP_FOLDER", "INBOX"),
}
