"""Django settings, all read from the environment here and nowhere else."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

if os.environ.get("DATABASE_URL"):
    _database_url = os.environ["DATABASE_URL"]
else:
    try:
        from cashiering.embedded_pg import database_url
    except ImportError as exc:  # production installs leave out the embedded server
        raise ImproperlyConfigured("Set DATABASE_URL to a PostgreSQL database.") from exc
    _database_url = database_url()

DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (15 or later).")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "cashiering",
    "ledger",
    "billing",
    "payments",
    "reconciliation",
    # issue 13, audit trail: history by triggers (django-pghistory on django-pgtrigger).
    "pgtrigger",
    "pghistory",
    "audit",
]

MIDDLEWARE = [
    "cashiering.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # issue 13, audit trail: each history event's context (user, URL, method, client address).
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cashiering.urls"
WSGI_APPLICATION = "cashiering.wsgi.application"

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
                "cashiering.context_processors.office",
            ],
            # {{ user|person }}: people are named by their names on every page and document.
            "builtins": ["cashiering.templatetags.people"],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = False
USE_TZ = True
# Dates a person reads are written one way (11/30/2026, 11/30/2026 2:05 PM): cashiering/dates.py
FORMAT_MODULE_PATH = ["cashiering.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Development serves straight from static/; production serves what `collectstatic` gathered.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(10 * 60 * 60)))  # one shift
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

OFFICE_NAME = os.environ.get("OFFICE_NAME", "City Chamberlain's Office")
# Printed in receipt numbers (CH-2026-000123); receipts are numbered per office and year.
OFFICE_CODE = os.environ.get("OFFICE_CODE", "CH")
# Parking tickets this many days past due go to the collection vendor (reconciliation exports).
PARKING_REFERRAL_DAYS = int(os.environ.get("PARKING_REFERRAL_DAYS", "60"))
OFFICE_ADDRESS = os.environ.get("OFFICE_ADDRESS", "City Hall, 108 E Green St, Ithaca, NY 14850")
OFFICE_PHONE = os.environ.get("OFFICE_PHONE", "607-274-6580")

# The address the public reaches the app at (https://pay.example.gov), printed in the lien
# certificate's verification QR code; empty, the address the certificate was printed from.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
# The public verification page answers one client (by address) this many times a minute.
VERIFY_REQUESTS_PER_MINUTE = int(os.environ.get("VERIFY_REQUESTS_PER_MINUTE", "20"))
# How many reverse proxies stand before the app servers and append to X-Forwarded-For: the
# client's address is the one that many entries from the right. 0: REMOTE_ADDR (no proxy).
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))

# The remittance scanline's check digit: mod 10 with these weights, cycled from the rightmost
# digit; "2,1" with product digits summed is Luhn. Match what the bank's lockbox expects.
SCANLINE_CHECK_WEIGHTS = tuple(
    int(weight) for weight in os.environ.get("SCANLINE_CHECK_WEIGHTS", "2,1").split(",")
)
SCANLINE_SUM_PRODUCT_DIGITS = _env_bool("SCANLINE_SUM_PRODUCT_DIGITS", default=True)

# Each line once: Django's own "django" logger comes with a console handler of its own (when
# DEBUG) and also passes its records up to the root's, which wrote every request warning twice.
# Here it keeps no handler and only propagates. A 4xx keeps its one line, not a traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "cashiering.logfilters.ClientErrorWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # On the logger as well as the handler, so every handler (tests' too) sees one line.
        "django.request": {"filters": ["client_errors"]},
        "pgserver": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},  # "Step 1 … Step 7" for every PDF
    },
}
