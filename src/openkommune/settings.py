"""The one settings module. Every value that differs between installations comes from the
environment through `openkommune.core.env`; see docs/configuration.md."""

from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from openkommune.core.env import (
    cache_from_redis_url,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_json,
    env_list,
    env_path,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent  # repository root

DEBUG = env_bool("OPENKOMMUNE_DEBUG", default=False)
# No default secret. Django refuses to sign anything while it is empty, and the WSGI/ASGI
# entry points refuse to serve without it; operator commands (imports) run without one.
# `make run` sets a development-only key explicitly (see Makefile).
SECRET_KEY = env_str("OPENKOMMUNE_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("OPENKOMMUNE_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("OPENKOMMUNE_CSRF_TRUSTED_ORIGINS", "")

# Official reference data (GV100AD, OZG/LeiKa catalogue, postcode list) is read from here,
# never copied into the repository, so an operator can load each new release.
DATA_DIR = env_path("OPENKOMMUNE_DATA_DIR", BASE_DIR.parent / "shared" / "data")
# OpenThesaurus (Debian package openthesaurus-de-text, `make thesaurus`): read by the search
# index build for its reviewed synonyms (search/thesaurus.py), never while serving.
SEARCH_THESAURUS_FILE = env_path(
    "OPENKOMMUNE_SEARCH_THESAURUS_FILE", Path("/usr/share/openthesaurus-de/openthesaurus.txt")
)
# Marks the instance as a demonstration on every page.
DEMO_MODE = env_bool("OPENKOMMUNE_DEMO", default=False)
# Password of the demo accounts `load_demo` creates; empty means its documented default.
DEMO_PASSWORD = env_str("OPENKOMMUNE_DEMO_PASSWORD", "")
# Where people report accessibility barriers (shown in the accessibility statement).
ACCESSIBILITY_CONTACT = env_str("OPENKOMMUNE_ACCESSIBILITY_CONTACT", "barrierefreiheit@example.org")

INSTALLED_APPS = [
    "openkommune.tenancy.apps.OpenKommuneAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Only for the Swagger UI static files it ships (core.api_docs); no models.
    "ninja",
    "openkommune.core",
    "openkommune.tenancy",
    "openkommune.accounts",
    "openkommune.identity",
    "openkommune.twofactor",
    "openkommune.regions",
    "openkommune.catalog",
    "openkommune.search",
    "openkommune.members",
    "openkommune.staffsso",
    "openkommune.website",
    "openkommune.fachverfahren",
    "openkommune.servicedesk",
    "openkommune.workinggroups",
    "openkommune.printplanner",
    "openkommune.forms",
    "openkommune.studio",
    "openkommune.formstats",
    "openkommune.submissions",
    "openkommune.procurement",
    "openkommune.bundling",
    "openkommune.digitalpakt",
    "openkommune.payments",
    "openkommune.companies",
    "openkommune.cases",
    "openkommune.delivery",
    "openkommune.fitconnect",
    "openkommune.reports",
    "openkommune.demo",
    "openkommune.api",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id; the timing covers everything.
    "openkommune.core.request_id.RequestIdMiddleware",
    "openkommune.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "openkommune.core.language.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openkommune.tenancy.middleware.TenantScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "openkommune.accounts.middleware.BackOfficeIdleTimeoutMiddleware",
    # Staff reach nothing but /konto/zwei-faktor/ before the second factor (ADR 0020).
    "openkommune.twofactor.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "openkommune.urls"
WSGI_APPLICATION = "openkommune.wsgi.application"
ASGI_APPLICATION = "openkommune.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openkommune.core.context_processors.platform",
                "openkommune.identity.context_processors.bundid",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///var/openkommune.sqlite3"),
        base_dir=BASE_DIR,
        conn_max_age=env_int("OPENKOMMUNE_DB_CONN_MAX_AGE", 60),
    )
}
# A streaming replica of the primary: read-only reference data (catalogue, regions, search
# index) is read there (openkommune.core.db_router, docs/operations.md). Tests use the primary.
if _replica_url := env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = database_from_url(_replica_url, base_dir=BASE_DIR) | {
        "TEST": {"MIRROR": "default"}
    }
    DATABASE_ROUTERS = ["openkommune.core.db_router.ReplicaRouter"]
# Behind PgBouncer in transaction mode a cursor must not outlive its transaction: no
# server-side cursors for `.iterator()` (docs/configuration.md, "Connection budget").
if env_bool("OPENKOMMUNE_DB_TRANSACTION_POOLING", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# Sessions and cache in Redis when configured (the production profile), so web processes keep
# no state of their own and can run on several machines; else sessions in the database and a
# per-process memory cache (development, the SQLite test run).
REDIS_URL = env_str("OPENKOMMUNE_REDIS_URL", "")
if REDIS_URL:
    CACHES = cache_from_redis_url(
        REDIS_URL, key_prefix=env_str("OPENKOMMUNE_CACHE_KEY_PREFIX", "openkommune")
    )
    # Django's cache store, creating a session with one round trip (core/sessions.py).
    SESSION_ENGINE = "openkommune.core.sessions"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "de"
# German is the language of the platform and of every legal text; English is the interface
# language for those who choose it (the switch in the header stores it in the
# `django_language` cookie) or whose browser prefers it (LocaleMiddleware). Documents and
# e-mails stay German (core.pdf, core.outbox). ADR 0021, docs/translation.md.
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# British notation for the English interface (openkommune/formats/en/formats.py); German is
# Django's own.
FORMAT_MODULE_PATH = ["openkommune.formats"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_path("OPENKOMMUNE_STATIC_ROOT", BASE_DIR / "var" / "static")
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    # KERN UX design system, installed from npm by `make deps` (package-lock.json pins it).
    ("kern", BASE_DIR / "node_modules" / "@kern-ux" / "native" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

_EMAIL_BACKEND = env_str("OPENKOMMUNE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("OPENKOMMUNE_EMAIL_HOST", "localhost"),
                "port": env_int("OPENKOMMUNE_EMAIL_PORT", 25),
                # Seconds per network step; without it a hanging server blocks the job forever.
                "timeout": env_int("OPENKOMMUNE_EMAIL_TIMEOUT", 30),
            }
            if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
# How long a job's claim on an outbox e-mail holds (core.outbox): far longer than a send may
# take; once it expires (the job died) the e-mail is claimed and sent again.
OUTBOX_CLAIM_SECONDS = env_int("OPENKOMMUNE_OUTBOX_CLAIM_SECONDS", 15 * 60)
# How many ready e-mails a job worker's drainer claims and sends per poll (ADR 0027); it
# polls at the worker's `--interval` while none is ready, at once again after a full batch.
OUTBOX_BATCH_SIZE = env_int("OPENKOMMUNE_OUTBOX_BATCH_SIZE", 50)
# After a batch that was not full but not empty either (e-mails are coming in), the drainer
# looks again after this many milliseconds instead of the worker's `--interval`: the
# e-mails of a busy hour go out in small, even batches instead of a burst once a second
# (ADR 0040, amendment). 0: always the worker's interval.
OUTBOX_BUSY_INTERVAL_MS = env_int("OPENKOMMUNE_OUTBOX_BUSY_INTERVAL_MS", 0)
DEFAULT_FROM_EMAIL = env_str("OPENKOMMUNE_DEFAULT_FROM_EMAIL", "OpenKommune <noreply@localhost>")

# Background jobs (e-mails). Tests and single-process set-ups may run them at once with
# django.tasks.backends.immediate.ImmediateBackend; production uses the database queue
# (`openkommune job_worker`, started by `openkommune serve`).
TASKS = {
    "default": {
        "BACKEND": env_str("OPENKOMMUNE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Job workers (`openkommune job_worker`, started by `openkommune serve`): heartbeat interval,
# the silence after which /readyz reports them missing (and a job still marked running on
# such a worker is recovered, core.worker), and how long finished job rows stay.
JOB_WORKER_HEARTBEAT_SECONDS = env_int("OPENKOMMUNE_JOB_WORKER_HEARTBEAT_SECONDS", 10)
JOB_WORKER_MAX_SILENCE_SECONDS = env_int("OPENKOMMUNE_JOB_WORKER_MAX_SILENCE_SECONDS", 60)
TASK_RESULT_RETENTION_DAYS = env_int("OPENKOMMUNE_TASK_RESULT_RETENTION_DAYS", 14)

# The form studio's publish gate runs axe-core in Chromium in a job (ADR 0036); without
# either, the gate says so and publishing stays blocked.
CHROMIUM_PATH = env_str("OPENKOMMUNE_CHROMIUM", "/usr/bin/chromium")
AXE_JS_PATH = env_path("OPENKOMMUNE_AXE_JS", BASE_DIR / "node_modules" / "axe-core" / "axe.min.js")

# Bearer token of /metrics (Prometheus); empty: the endpoint answers 404.
METRICS_TOKEN = env_str("OPENKOMMUNE_METRICS_TOKEN", "")

# Online applications (submissions app). Uploads and receipts live outside the web root and
# are served only to the applicant (and later the responsible authority).
PRIVATE_MEDIA_ROOT = env_path("OPENKOMMUNE_PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private")
# The one storage of private files (core.files); S3-compatible object storage is a matter of
# configuration: a django-storages backend and its options as JSON (docs/configuration.md).
STORAGES["private"] = {
    "BACKEND": env_str(
        "OPENKOMMUNE_PRIVATE_STORAGE_BACKEND", "openkommune.core.files.PrivateFileSystemStorage"
    ),
    "OPTIONS": env_json("OPENKOMMUNE_PRIVATE_STORAGE_OPTIONS", {}),
}
# Dotted path of the virus scanner class; the default scans nothing and says so.
VIRUS_SCANNER = env_str(
    "OPENKOMMUNE_VIRUS_SCANNER", "openkommune.submissions.virus_scan.NoOpScanner"
)
# For openkommune.submissions.virus_scan.ClamdScanner: a Unix socket path or host:port.
CLAMD_SOCKET = env_str("OPENKOMMUNE_CLAMD_SOCKET", "")
CLAMD_TIMEOUT = env_int("OPENKOMMUNE_CLAMD_TIMEOUT", 30)
# While clamd cannot be reached, an upload waits this long for it (retrying), then is refused.
VIRUS_SCAN_WAIT_SECONDS = env_int("OPENKOMMUNE_VIRUS_SCAN_WAIT_SECONDS", 10)
# Support desk (servicedesk): the IMAP mailbox `openkommune fetch_servicedesk_mail` reads
# (empty host: no mail intake), and the business hours of the SLA clock.
SERVICEDESK_IMAP_HOST = env_str("OPENKOMMUNE_SERVICEDESK_IMAP_HOST", "")
SERVICEDESK_IMAP_PORT = env_int("OPENKOMMUNE_SERVICEDESK_IMAP_PORT", 993)
SERVICEDESK_IMAP_USER = env_str("OPENKOMMUNE_SERVICEDESK_IMAP_USER", "")
SERVICEDESK_IMAP_PASSWORD = env_str("OPENKOMMUNE_SERVICEDESK_IMAP_PASSWORD", "")
SERVICEDESK_IMAP_SSL = env_bool("OPENKOMMUNE_SERVICEDESK_IMAP_SSL", True)
# The support desk's mailbox address: Reply-To of the ticket e-mails, so answers reach the
# IMAP mailbox above and thread into their ticket (empty: no Reply-To).
SERVICEDESK_ADDRESS = env_str("OPENKOMMUNE_SERVICEDESK_ADDRESS", "")
# Largest file a citizen may upload, in bytes (a form field may allow less, never more).
UPLOAD_MAX_SIZE = env_int("OPENKOMMUNE_UPLOAD_MAX_SIZE", 20 * 1024 * 1024)
# The first handler skips a file beyond UPLOAD_MAX_SIZE while it arrives (on the views that
# ask for it, see openkommune.core.uploads) instead of storing all of it first.
FILE_UPLOAD_HANDLERS = [
    "openkommune.core.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# How long the link to continue an anonymous draft stays valid, in days.
DRAFT_LINK_DAYS = env_int("OPENKOMMUNE_DRAFT_LINK_DAYS", 7)

# Bundling rounds with at most this many demand entries are evaluated in the request.
OPENKOMMUNE_BUNDLING_SYNC_LIMIT = env_int("OPENKOMMUNE_BUNDLING_SYNC_LIMIT", 20)
# Drafts of logged-in users untouched this many days are deleted (`delete_expired_drafts`).
DRAFT_RETENTION_DAYS = env_int("OPENKOMMUNE_DRAFT_RETENTION_DAYS", 30)
# Payments (docs/payment.md): seconds per call to a Bezahldienst; after how long an open
# payment without notification is asked for by the job workers, and when to stop asking.
PAYMENT_TIMEOUT = env_int("OPENKOMMUNE_PAYMENT_TIMEOUT", 10)
PAYMENT_POLL_AFTER_SECONDS = env_int("OPENKOMMUNE_PAYMENT_POLL_AFTER_SECONDS", 120)
PAYMENT_POLL_DAYS = env_int("OPENKOMMUNE_PAYMENT_POLL_DAYS", 3)
# Address of the platform as citizens reach it, for links in e-mails sent by jobs.
SITE_URL = env_str("OPENKOMMUNE_SITE_URL", "http://localhost:8000")
# The cooperative as the seller of its XRechnung invoices to members (procurement.xrechnung);
# name, address and phone come from the cooperative's organisation record.
COOPERATIVE_INVOICE = {
    "vat_id": env_str("OPENKOMMUNE_COOPERATIVE_VAT_ID", ""),
    "iban": env_str("OPENKOMMUNE_COOPERATIVE_IBAN", ""),
    "bic": env_str("OPENKOMMUNE_COOPERATIVE_BIC", ""),
    "email": env_str("OPENKOMMUNE_COOPERATIVE_INVOICE_EMAIL", ""),
    "contact": env_str("OPENKOMMUNE_COOPERATIVE_INVOICE_CONTACT", ""),
}

# Three-way match of incoming supplier invoices (procurement.supplier_invoices): a unit
# price may differ from the ordered one by this share (percent), the invoice's net total
# from the expected one by this many euros, before the match flags a deviation.
INVOICE_PRICE_TOLERANCE_PERCENT = env_str("OPENKOMMUNE_INVOICE_PRICE_TOLERANCE_PERCENT", "0")
INVOICE_TOTAL_TOLERANCE_EUR = env_str("OPENKOMMUNE_INVOICE_TOTAL_TOLERANCE_EUR", "0.05")

# Security: production defaults; the development command switches them off explicitly.
SECURE_SSL_REDIRECT = env_bool("OPENKOMMUNE_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("OPENKOMMUNE_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The language chosen in the header's switch (django.views.i18n.set_language): a year, like a
# preference; not readable by scripts, only over HTTPS where the session cookie is.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Probes of the load balancer and Prometheus may come over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions end this many hours after login (citizens); back-office sessions (clerks, member
# administrators, cooperative staff, admin users) also end after idle minutes without a
# request (openkommune.accounts.middleware.BackOfficeIdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env_int("OPENKOMMUNE_SESSION_HOURS", 12) * 3600
BACK_OFFICE_IDLE_MINUTES = env_int("OPENKOMMUNE_BACK_OFFICE_IDLE_MINUTES", 30)

# Login throttling and mail rate limits (openkommune.accounts.throttle; counts are kept in
# the database so all worker processes share them). See docs/security.md.
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("OPENKOMMUNE_LOGIN_MAX_FAILURES_PER_ACCOUNT", 10)
LOGIN_MAX_FAILURES_PER_CLIENT = env_int("OPENKOMMUNE_LOGIN_MAX_FAILURES_PER_CLIENT", 50)
LOGIN_LOCKOUT_MINUTES = env_int("OPENKOMMUNE_LOGIN_LOCKOUT_MINUTES", 15)
# Wrong second-factor codes (TOTP or recovery code) per account before the same lockout
# (openkommune.twofactor, ADR 0020). django-otp's own per-device throttling is off: one
# mechanism, shared by all worker processes.
SECOND_FACTOR_MAX_FAILURES = env_int("OPENKOMMUNE_SECOND_FACTOR_MAX_FAILURES", 5)
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_TOTP_ISSUER = env_str("OPENKOMMUNE_SECOND_FACTOR_ISSUER", "OpenKommune")

# Company accounts ("Mein Unternehmenskonto", OpenID Connect; openkommune.companies, ADR 0021).
# Off while the issuer is empty. `make run` points it at the local Test-Identitätsanbieter.
COMPANY_OIDC_ISSUER = env_str("OPENKOMMUNE_COMPANY_OIDC_ISSUER", "")
COMPANY_OIDC_CLIENT_ID = env_str("OPENKOMMUNE_COMPANY_OIDC_CLIENT_ID", "")
COMPANY_OIDC_CLIENT_SECRET = env_str("OPENKOMMUNE_COMPANY_OIDC_CLIENT_SECRET", "")
COMPANY_OIDC_LABEL = env_str("OPENKOMMUNE_COMPANY_OIDC_LABEL", "Mein Unternehmenskonto")
MAIL_LIMIT_PER_ADDRESS = env_int("OPENKOMMUNE_MAIL_LIMIT_PER_ADDRESS", 3)
MAIL_LIMIT_PER_CLIENT = env_int("OPENKOMMUNE_MAIL_LIMIT_PER_CLIENT", 20)
MAIL_LIMIT_MINUTES = env_int("OPENKOMMUNE_MAIL_LIMIT_MINUTES", 60)
# Throttle counts and the client address in `login.locked` audit records are removed after
# this many days by `run_retention` (openkommune.accounts.services.retention).
LOGIN_DATA_RETENTION_DAYS = env_int("OPENKOMMUNE_LOGIN_DATA_RETENTION_DAYS", 30)
# Rows of refused BundID responses (`identity.RejectedLogin`, the object of their audit
# record, which stays) older than this many days are deleted by `run_retention`, with
# expired replay markers and unfinished logins (openkommune.identity.services).
BUNDID_REJECTED_LOGIN_RETENTION_DAYS = env_int(
    "OPENKOMMUNE_BUNDID_REJECTED_LOGIN_RETENTION_DAYS", 90
)
# Behind a reverse proxy that appends the client's address to X-Forwarded-For, count per
# that address instead of the proxy's (REMOTE_ADDR). Never switch on without such a proxy.
TRUST_X_FORWARDED_FOR = env_bool("OPENKOMMUNE_TRUST_X_FORWARDED_FOR", default=False)
# Only for `bench/load.py`: routes `POST /bench/baseline/`, a bare view doing one INSERT into
# the table the benchmark creates (the baseline its measurements are compared with). Never set
# it in a real installation.
BENCH_BASELINE = env_bool("OPENKOMMUNE_BENCH_BASELINE", default=False)
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# `text`: the message only (development, tests); `json`: one JSON object per line with the
# request id (`make serve`; gunicorn's access log uses the same format).
LOG_FORMAT = env_choice("OPENKOMMUNE_LOG_FORMAT", ("text", "json"), "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_without_traceback": {
            "()": "openkommune.core.log_filters.ClientErrorsWithoutTraceback"
        },
        "request_id": {"()": "openkommune.core.log_filters.RequestIdFilter"},
    },
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "openkommune.core.log_filters.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_errors_without_traceback", "request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("OPENKOMMUNE_LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per event: Django's default configuration gives "django" a console handler
        # of its own (and mail_admins), so its records were written there and again by the root.
        "django": {"handlers": [], "level": env_str("OPENKOMMUNE_LOG_LEVEL", "INFO")},
        # WeasyPrint (receipts) logs its progress and font subsetting for every PDF, and a
        # warning per font about the optional HarfBuzz subsetter; only its errors go to the log.
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
    },
}

# Citizen login with BundID over SAML 2.0 (docs/identity.md). Off until the identity
# provider's metadata and the service provider's key pairs are configured.
OPENKOMMUNE_BUNDID = {
    "IDP_METADATA_URL": env_str("OPENKOMMUNE_BUNDID_IDP_METADATA_URL", ""),
    "IDP_METADATA_FILE": env_str("OPENKOMMUNE_BUNDID_IDP_METADATA_FILE", ""),
    # The public address of the platform (entity ID, ACS); empty: from the request.
    "BASE_URL": env_str("OPENKOMMUNE_BUNDID_BASE_URL", ""),
    "SIGNING_KEY_FILE": env_str("OPENKOMMUNE_BUNDID_SIGNING_KEY_FILE", ""),
    "SIGNING_CERT_FILE": env_str("OPENKOMMUNE_BUNDID_SIGNING_CERT_FILE", ""),
    "ENCRYPTION_KEY_FILE": env_str("OPENKOMMUNE_BUNDID_ENCRYPTION_KEY_FILE", ""),
    "ENCRYPTION_CERT_FILE": env_str("OPENKOMMUNE_BUNDID_ENCRYPTION_CERT_FILE", ""),
    "ORGANIZATION_DISPLAY_NAME": env_str("OPENKOMMUNE_BUNDID_ORGANIZATION_DISPLAY_NAME", ""),
    "ONLINE_SERVICE_ID": env_str("OPENKOMMUNE_BUNDID_ONLINE_SERVICE_ID", ""),
    # Shown on the login page: the identity provider is a local test one (`make run`).
    "TEST_IDP": env_bool("OPENKOMMUNE_BUNDID_TEST_IDP", default=False),
}
# FIT-Connect-compatible Submission API (docs/fit-connect.md).
# A private JWK (RSA >= 4096, kid) that signs the platform's event tokens (PS512); without it
# one is generated on first use and kept in the database (fine for development and tests).
FITCONNECT_SIGNING_KEY_FILE = env_str("OPENKOMMUNE_FITCONNECT_SIGNING_KEY_FILE", "") or None
# Lifetime of an access token from /fit-connect/token.
FITCONNECT_TOKEN_SECONDS = env_int("OPENKOMMUNE_FITCONNECT_TOKEN_SECONDS", 1800)
# Largest encrypted attachment (the JWE as sent) and largest encrypted metadata/data body.
FITCONNECT_MAX_ATTACHMENT_BYTES = env_int(
    "OPENKOMMUNE_FITCONNECT_MAX_ATTACHMENT_BYTES", 30 * 1024 * 1024
)
FITCONNECT_MAX_BODY_BYTES = env_int("OPENKOMMUNE_FITCONNECT_MAX_BODY_BYTES", 10 * 1024 * 1024)
# The issuer (iss) of the platform's event tokens; empty: the request's origin + /fit-connect.
# The key-encryption key (an `oct` JWK of 256 bit) that seals the private keys of inbox
# destinations (ADR 0028); without it one is derived from SECRET_KEY (development only).
FITCONNECT_INBOX_KEK_FILE = env_str("OPENKOMMUNE_FITCONNECT_INBOX_KEK_FILE", "") or None
FITCONNECT_ISSUER = env_str("OPENKOMMUNE_FITCONNECT_ISSUER", "")
# Callbacks go to https:// URLs only (FIT-Connect's rule); plain http only for tests.
FITCONNECT_CALLBACK_ALLOW_HTTP = env_bool(
    "OPENKOMMUNE_FITCONNECT_CALLBACK_ALLOW_HTTP", default=False
)
