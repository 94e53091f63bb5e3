"""Django settings, all read from the environment here and nowhere else."""

import os
from datetime import timedelta
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
    # Sign-in lockout (issue 13, access): failures counted in the database, see below.
    "axes",
    # --- Two-factor sign-in (issue 13): TOTP devices for Supervisors and Admins ---
    "django_otp",
    "django_otp.plugins.otp_totp",
    # --- end two-factor ---
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
    # --- Two-factor sign-in (issue 13): who verified a code, then who must ---
    "django_otp.middleware.OTPMiddleware",
    "cashiering.two_factor.middleware.TwoFactorRequiredMiddleware",
    # --- end two-factor ---
    # issue 13, audit trail: each history event's context (user, URL, method, client address).
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Hardening (issue 13): the Content-Security-Policy header, from SECURE_CSP below.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Issue 13, access: signs out an idle session; turns a lockout into the sign-in page's message.
    "cashiering.idle.IdleTimeoutMiddleware",
    "axes.middleware.AxesMiddleware",
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

# Issue 13, access: sign-in lockout with django-axes (docs/security/access.md). --------------
# Axes first: it refuses a locked-out name before any password is checked, at the sign-in page
# and wherever a second person types their credentials (cashiering/lockout.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are rows in the database, so every app server and worker counts the same ones.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
# What a lock holds: "username" (default) locks the name wherever it is typed; clerks share one
# public address, so locking by address alone would lock the whole office. "," separates
# alternatives, "+" combines: "username,ip_address" or "username+ip_address".
AXES_LOCKOUT_PARAMETERS = [
    part.split("+") if "+" in part else part
    for part in _env_list("AXES_LOCKOUT_PARAMETERS", "username")
]
# A wrong try while locked does not push the end of the lock further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The client's address as the verification page's throttle sees it (TRUSTED_PROXY_HOPS).
AXES_CLIENT_IP_CALLABLE = "cashiering.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "cashiering.lockout.lockout_response"
# Never written to a log line or to the attempt's stored form data: every password field name.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "supervisor_password",
    "signer_password",
    "witness_password",
    "receiver_password",
    "old_password",
    "new_password1",
    "new_password2",
]
# Locking by name alone is the choice (docs/security/access.md): a locked name is refused from
# every address and browser, so rotating them gains nothing (the warning assumes otherwise).
SILENCED_SYSTEM_CHECKS = [] if "ip_address" in str(AXES_LOCKOUT_PARAMETERS) else ["axes.W006"]
# The idle sign-out's warning shows this many seconds before it (the timeout is per office).
IDLE_WARNING_SECONDS = int(os.environ.get("IDLE_WARNING_SECONDS", "60"))
# -------------------------------------------------------------------------------------------

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

# --- Hardening (issue 13): production passes `manage.py check --deploy` with no warnings. ---
# docs/security/hardening.md explains each one.
from django.utils.csp import CSP  # noqa: E402 (kept inside this block for an easy merge)

# HTTPS only: HSTS for a year by default in production (0 turns it off), subdomains included.
# The header's "preload" only consents to the browsers' built-in list: nothing joins it until
# someone submits the city's registrable domain at hstspreload.org (docs/security/hardening.md).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", default=True)
# Django redirects http:// to https:// in production; SECURE_SSL_REDIRECT=0 turns it off when
# the reverse proxy terminates TLS and redirects by itself (it says https through
# X-Forwarded-Proto, SECURE_PROXY_SSL_HEADER above). /healthz answers the load balancer's
# plain-HTTP probe either way.
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Turned off, the operator declares that the proxy redirects: check --deploy's "not set to True"
# warning (W008, which itself names that case) would only repeat the decision.
SILENCED_SYSTEM_CHECKS += [] if SECURE_SSL_REDIRECT or DEBUG else ["security.W008"]
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx sends the token rendered into the page (base.html).
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A friendly page for an expired or missing CSRF token, which names no reason.
CSRF_FAILURE_VIEW = "cashiering.views.csrf_failure"
# Tracebacks for Admins hide every POSTed value whose name speaks of a password or a code.
DEFAULT_EXCEPTION_REPORTER_FILTER = "cashiering.errorreporting.SensitiveNamesReporterFilter"
# Nothing inline: no 'unsafe-inline', no 'unsafe-eval', no nonces (tests/cashiering/test_csp.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # Bootstrap's icons (navbar toggler, selects) are data: SVGs
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# --- end of hardening block ---
# --- Two-factor sign-in (issue 13, docs/security/two-factor.md) ---
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Cashiering")
# After n wrong codes in a row the next try waits 2**(n-1) seconds (django-otp's throttling).
OTP_TOTP_THROTTLE_FACTOR = 1
# The administration site never shows a device's secret key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# --- end two-factor ---

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
    "filters": {
        "client_errors": {"()": "cashiering.logfilters.ClientErrorWithoutTraceback"},
        # Hardening (issue 13): no log line holds a full card number; on every handler.
        "card_numbers": {"()": "cashiering.logfilters.MaskCardNumbers"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors", "card_numbers"]},
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("LOG_LEVEL", "INFO"),
        "filters": ["card_numbers"],
    },
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # On the logger as well as the handler, so every handler (tests' too) sees one line.
        "django.request": {"filters": ["client_errors", "card_numbers"]},
        "django.server": {"filters": ["card_numbers"]},
        "pgserver": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},  # "Step 1 … Step 7" for every PDF
    },
}
