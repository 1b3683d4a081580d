"""CivicGate settings, driven by environment variables (see .env.example).

SQLite is the embedded default so that a fresh clone runs with no services; DATABASE_URL
switches to PostgreSQL. DEBUG is off unless asked for, and production hardening is on whenever
DEBUG is off.
"""

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from civicgate.core.env import env_bool, env_int, env_list, env_str

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("CIVICGATE_DEBUG", False)
TESTING = env_bool("CIVICGATE_TESTING", False)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG or TESTING else None)
if not (DEBUG or TESTING) and (SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")

# Key for encrypting personal data at rest (Fernet, urlsafe base64 of 32 bytes). Several keys,
# comma separated, allow rotation: the first encrypts, all decrypt.
DATA_ENCRYPTION_KEYS = env_list(
    "DATA_ENCRYPTION_KEYS",
    ["ZGV2LW9ubHktZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE="] if DEBUG or TESTING else None,
)
if not DATA_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("DATA_ENCRYPTION_KEYS is required outside development.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "civicgate.core",
    "civicgate.audit",
    "civicgate.org",
    "civicgate.accounts",
    "civicgate.devices",
    "civicgate.notify",
    "civicgate.passes",
    "civicgate.appointments",
    "civicgate.services",
    "civicgate.chatbot",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "civicgate.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Endpoints that accept only a device's bearer token (turnstiles, handhelds) and the short
# middleware chain they are served with (civicgate/core/handlers.py): no sessions, CSRF, staff
# sign-in or lockout tracking, which are for browsers. Locale stays: a device may ask for the
# guard's language with Accept-Language.
DEVICE_API_PATHS = ["/api/v1/gate/scans", "/api/v1/devices/heartbeat", "/api/v1/devices/me"]
# Of those, paths whose usual request a plain view answers without URL routing or the API
# framework (anything else it hands to the API's own view).
PLAIN_API_VIEWS = {"/api/v1/gate/scans": "civicgate.passes.api.plain_scan"}
DEVICE_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
]
# The web chat's message endpoint: the session only brings a signed-in citizen into a new
# conversation; the one-time code step and the rate limit go by client address and cache, and
# CSRF does not apply to this API (no cookie authentication).
CHAT_API_PATHS = ["/api/v1/chat/messages"]
CHAT_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
]
# Citizen endpoints that many citizens call at the same moment (the last place of a slot):
# the session signs the citizen in and CSRF guards it (cookie authentication); staff sign-in,
# the second factor, messages, htmx, static files and lockout tracking are for pages.
CITIZEN_API_PATHS = ["/api/v1/appointments/bookings", "/api/v1/appointments/holds"]
CITIZEN_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "civicgate.urls"
WSGI_APPLICATION = "civicgate.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgate.accounts.context_processors.navigation",
            ],
        },
    }
]

# Database: SQLite by default, PostgreSQL through DATABASE_URL.
SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "var" / "civicgate.sqlite3")))
# The write-ahead log is copied back by a thread of the server (core/checkpoints.py) every
# SQLITE_CHECKPOINT_MILLISECONDS (0: never); a commit does it only past the safety net of
# SQLITE_WAL_AUTOCHECKPOINT pages (0: never).
SQLITE_CHECKPOINT_MILLISECONDS = env_int(
    "SQLITE_CHECKPOINT_MILLISECONDS", 0 if TESTING else 50, minimum=0
)
SQLITE_WAL_AUTOCHECKPOINT = env_int(
    "SQLITE_WAL_AUTOCHECKPOINT", 10000 if SQLITE_CHECKPOINT_MILLISECONDS else 1000, minimum=0
)
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured("DATABASE_URL must be a postgresql:// or sqlite:// URL.")
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # Writers take the lock at BEGIN, so two writers queue instead of failing
                # half-way with "database is locked"; WAL lets readers run beside a writer.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
                    f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT};"
                ),
            },
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH", "") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout of staff logins (django-axes): 5 failures per username and address, 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

# Roles whose members must pass a TOTP second factor before any staff page.
SECOND_FACTOR_ROLES = ["system_admin", "security_admin"]
OTP_TOTP_ISSUER = "CivicGate KMC"

# Citizen one-time codes (mobile number verification).
CITIZEN_OTP_TTL_SECONDS = env_int("CITIZEN_OTP_TTL_SECONDS", 300, minimum=60)
CITIZEN_OTP_MAX_ATTEMPTS = env_int("CITIZEN_OTP_MAX_ATTEMPTS", 5, minimum=1)
CITIZEN_OTP_RESEND_COOLDOWN_SECONDS = env_int("CITIZEN_OTP_RESEND_COOLDOWN_SECONDS", 60, minimum=0)
CITIZEN_OTP_DAILY_CAP_PER_MOBILE = env_int("CITIZEN_OTP_DAILY_CAP_PER_MOBILE", 10, minimum=1)
CITIZEN_OTP_DAILY_CAP_PER_ADDRESS = env_int("CITIZEN_OTP_DAILY_CAP_PER_ADDRESS", 50, minimum=1)

# Cache: local memory by default; Redis in production for shared rate limits.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Internationalisation: every string a citizen or a guard reads ships in English, Bengali, Hindi.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("bn", _("Bengali")), ("hi", _("Hindi"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

# Static files: our own under civicgate/static, front-end libraries from node_modules (npm).
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/noble-ed25519", BASE_DIR / "node_modules" / "@noble" / "ed25519"),
    ("vendor/noble-hashes", BASE_DIR / "node_modules" / "@noble" / "hashes"),
    ("vendor/qr-scanner", BASE_DIR / "node_modules" / "qr-scanner"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_SPOOL_DIR = Path(env_str("IMPORT_SPOOL_DIR", str(BASE_DIR / "var" / "imports")))
MAX_IMPORT_FILE_BYTES = env_int("MAX_IMPORT_FILE_BYTES", 5 * 1024 * 1024, minimum=1024)

# Security: on whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SILENCED_SYSTEM_CHECKS: list[str] = []

# Notifications: the outbox worker sends through these backends.
SMS_BACKEND = env_str("SMS_BACKEND", "console")  # console | http
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_API_KEY = env_str("SMS_GATEWAY_API_KEY", "")
SMS_SENDER_ID = env_str("SMS_SENDER_ID", "KMCGOV")
SMS_DLT_ENTITY_ID = env_str("SMS_DLT_ENTITY_ID", "")
WHATSAPP_BACKEND = env_str("WHATSAPP_BACKEND", "console")  # console | cloud
WHATSAPP_API_BASE = env_str("WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0")
WHATSAPP_PHONE_NUMBER_ID = env_str("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_ACCESS_TOKEN = env_str("WHATSAPP_ACCESS_TOKEN", "")
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET", "")  # checks X-Hub-Signature-256 on webhooks
# Answered in Meta's webhook verification handshake.
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN", "")
SMS_DLR_TOKEN = env_str("SMS_DLR_TOKEN", "")  # protects the SMS gateway's delivery-report callback
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CivicGate KMC <no-reply@kmc.gov.in>")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
NOTIFY_HTTP_TIMEOUT_SECONDS = env_int("NOTIFY_HTTP_TIMEOUT_SECONDS", 10, minimum=1)

# Gate passes.
PASS_ANTI_PASSBACK_FORGIVENESS_MINUTES = env_int(
    "PASS_ANTI_PASSBACK_FORGIVENESS_MINUTES", 0, minimum=0
)
PASS_CLOSE_OUT_TIME = env_str("PASS_CLOSE_OUT_TIME", "21:00")  # local time, each day
PASS_MAX_DAYS = env_int("PASS_MAX_DAYS", 7, minimum=1)
TOUT_MAX_PASSES_PER_WEEK = env_int("TOUT_MAX_PASSES_PER_WEEK", 5, minimum=1)
TOUT_MAX_HOSTS = env_int("TOUT_MAX_HOSTS", 4, minimum=1)
TOUT_WINDOW_DAYS = env_int("TOUT_WINDOW_DAYS", 30, minimum=1)

# Department services: where property-tax dues are paid (KMC's payment portal).
KMC_PAYMENT_URL = env_str("KMC_PAYMENT_URL", "https://www.kmcgov.in/KMCPortal/")
# Web chat: messages one client may send per minute.
CHAT_RATE_LIMIT_PER_MINUTE = env_int("CHAT_RATE_LIMIT_PER_MINUTE", 60, minimum=1)
# Where the chatbot keeps its trained intent model (manage.py chatbot_model); var/chatbot if empty.
CHATBOT_MODEL_DIR = env_str("CHATBOT_MODEL_DIR", "")

# Devices: how far a device clock may drift before admins are warned.
DEVICE_CLOCK_DRIFT_WARN_SECONDS = env_int("DEVICE_CLOCK_DRIFT_WARN_SECONDS", 60, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"expected_conflicts": {"()": "civicgate.core.logs.ExpectedConflicts"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"filters": ["expected_conflicts"]}},
}
