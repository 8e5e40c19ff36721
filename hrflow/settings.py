"""HRflow settings: everything that differs between machines comes from the environment.

DATABASE_URL  dj-database-url syntax; default: SQLite in var/hrflow.sqlite3
SECRET_KEY    required to serve (wsgi) unless DEBUG is on (make run) or under tests
DEBUG         "1" turns debug on; off by default
ALLOWED_HOSTS comma-separated; default localhost only
CELERY_BROKER_URL  e.g. redis://127.0.0.1:6379/0; unset = jobs run in-process
REDIS_URL     cache shared by all workers (rate limits); unset = per-process memory
"""

import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")
TESTING = "pytest" in sys.modules or env_bool("HRFLOW_TESTING")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    elif os.environ.get("HRFLOW_SERVING"):
        # Set by wsgi.py: a served HRflow never signs sessions with a made-up key.
        raise ImproperlyConfigured("Set SECRET_KEY in the environment (or DEBUG=1 for development).")
    else:
        # A management command (migrate, checks, jobs) signs nothing that must outlive it.
        import secrets

        SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "simple_history",
    "axes",  # login lockout: hrflow/core/throttle.py
    "rules.apps.AutodiscoverRulesConfig",
    "viewflow",
    "viewflow.workflow",
    "hrflow.core",
    "hrflow.org",
    "hrflow.people",
    "hrflow.audit",
    "hrflow.hiring",
    "hrflow.contracts",
    "hrflow.training",
    "hrflow.exports",
    "hrflow.notifications",
    "hrflow.staffing",
    "hrflow.rosters",
    "hrflow.appraisal",
    "hrflow.exits",
    "workflows",
    "hrflow.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hrflow.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "hrflow.core.middleware.RefuseNulQueryMiddleware",
    "hrflow.core.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # viewflow answers anonymous users with 403; send them to the login page instead.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "hrflow.notifications.daily.DailyJobsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "hrflow.urls"
WSGI_APPLICATION = "hrflow.wsgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "hrflow.context_processors.hrflow",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'hrflow.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several officers write at once even on the embedded database: wait for the lock
    # instead of failing with "database is locked", and take it when the transaction starts.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # A file, so the live server of browser tests shares it; its own name per concurrent run.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("HRFLOW_TEST_SQLITE", str(BASE_DIR / "var" / "test.sqlite3"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# English dates as ISO (2026-11-25 09:30); Chinese ones as Django's zh_Hans formats (2026年11月25日).
FORMAT_MODULE_PATH = ["hrflow.core.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (make run, tests) whitenoise serves straight from the apps.
WHITENOISE_USE_FINDERS = DEBUG or TESTING or env_bool("HRFLOW_STATIC_FINDERS")
if WHITENOISE_USE_FINDERS:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    STATIC_ROOT = None  # nothing collected: whitenoise would warn about the missing folder

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# FSM models must not be reverted through history (the historical copy lacks the mixin).
SIMPLE_HISTORY_REVERT_DISABLED = True
# Reasons are the officer's own words (up to 500 characters in the forms) plus a prefix: the
# library's default varchar(100) would refuse them on PostgreSQL.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Local practice (POLICY.md "Local practice"): settings with documented defaults ---
HRFLOW = {
    # Name of the deployment shown in the app bar.
    "SITE_TITLE": os.environ.get("HRFLOW_SITE_TITLE", ""),
    # 公示 of proposed hires, in working days of the official calendar (7 is common; some say 7–15).
    "PUBLICITY_WORKING_DAYS": int(os.environ.get("HRFLOW_PUBLICITY_WORKING_DAYS", "7")),
    # Collective review: quorum as a share of all members present (default two thirds), and the
    # share of all members whose "for" a resolution must exceed (default: more than half).
    "REVIEW_QUORUM": (2, 3),
    "REVIEW_PASS_SHARE": (1, 2),
    # Largest xlsx upload read (bytes); unpacked it may take at most 20 times this (hrflow.core.xlsx).
    "UPLOAD_MAX_BYTES": int(os.environ.get("HRFLOW_UPLOAD_MAX_BYTES", str(10 * 2**20))),
    # A screening job queued or running longer than this is taken as lost (a worker died): it may be re-run.
    "SCREENING_STALE_MINUTES": int(os.environ.get("HRFLOW_SCREENING_STALE_MINUTES", "30")),
    # The fewest members a collective review (集体研究) may have: one or two people are not a collective.
    "REVIEW_MIN_MEMBERS": int(os.environ.get("HRFLOW_REVIEW_MIN_MEMBERS", "3")),
    # Two current (active or suspended) employments of one person at two schools: refused unless a
    # deployment allows part-time work at several schools; either way both schools' pages flag it.
    "ALLOW_CONCURRENT_EMPLOYMENT": os.environ.get("HRFLOW_ALLOW_CONCURRENT_EMPLOYMENT", "") in ("1", "true", "yes"),
    # Exports (hrflow/exports): where files are kept and for how long; a row limit (0 = none; the
    # file and the page say where it stopped); a job silent this long lost its worker.
    "EXPORT_DIR": os.environ.get("HRFLOW_EXPORT_DIR", str(BASE_DIR / "var" / ("test-exports" if TESTING else "exports"))),
    "EXPORT_KEEP_DAYS": int(os.environ.get("HRFLOW_EXPORT_KEEP_DAYS", "7")),
    "EXPORT_MAX_ROWS": int(os.environ.get("HRFLOW_EXPORT_MAX_ROWS", "0")),
    "EXPORT_STALE_MINUTES": int(os.environ.get("HRFLOW_EXPORT_STALE_MINUTES", "120")),
    # The address users reach HRflow at, for links in notification mails (e.g. https://hr.example.edu.cn).
    "SITE_URL": os.environ.get("HRFLOW_SITE_URL", ""),
    # Exports one user may have under way at once: a double click reuses the job, more are refused.
    "EXPORT_MAX_RUNNING": int(os.environ.get("HRFLOW_EXPORT_MAX_RUNNING", "3")),
    # Without a Celery broker an export runs in a thread of the web process (tests: inline).
    "EXPORTS_IN_THREAD": not TESTING,
    # Staff roster imports (hrflow.rosters): where uploaded files wait for their commit, how big one may be.
    "IMPORT_DIR": os.environ.get("HRFLOW_IMPORT_DIR", str(BASE_DIR / "var" / ("test-imports" if TESTING else "imports"))),
    "ROSTER_UPLOAD_MAX_BYTES": int(os.environ.get("HRFLOW_ROSTER_UPLOAD_MAX_BYTES", str(64 * 2**20))),
    "ROSTER_JOBS_IN_THREAD": not TESTING,
    "ROSTER_STALE_MINUTES": int(os.environ.get("HRFLOW_ROSTER_STALE_MINUTES", "120")),
    "ROSTER_KEEP_DAYS": int(os.environ.get("HRFLOW_ROSTER_KEEP_DAYS", "7")),
    # 聘期管理: a fixed-term contract comes up for renewal this many days before it ends (also the
    # reminder for a dispatch agreement's end).
    "RENEWAL_NOTICE_DAYS": int(os.environ.get("HRFLOW_RENEWAL_NOTICE_DAYS", "60")),
    # Reminders of a probation's end and a certificate's expiry, this many days ahead.
    "REMINDER_DAYS": int(os.environ.get("HRFLOW_REMINDER_DAYS", "30")),
    # LAW-PROBATION-PAY: the local monthly minimum wage (yuan). Default: Sichuan's first tier
    # (一类地区 2,100 yuan since 2022); set the tier of the deployment's area.
    "MINIMUM_MONTHLY_WAGE": os.environ.get("HRFLOW_MINIMUM_MONTHLY_WAGE", "2100"),
    # Without a Celery broker the daily job (reminders, contract states) runs in a thread of the web
    # process on the first request of the day; `manage.py run_daily_jobs` runs it from cron instead.
    "DAILY_JOBS_IN_PROCESS": not TESTING and env_bool("HRFLOW_DAILY_JOBS_IN_PROCESS", True),
    # Appraisal (考核): local practice, copied into each new cycle, which may change its own
    # (POLICY.md "Local practice"). Weights self / peer / leadership in per cent (the notice names
    # the three methods, not their weights); 优秀 at most a share of each grading unit; the grade
    # thresholds (points, "from" includes the number); peer raters per person (never oneself) and
    # the fewest answers for a peer result to count or be shown; the peer mean drops the highest
    # and the lowest score from this many answers; the appeal window after publication and the days the
    # committee has to decide an appeal; the
    # committee's fewest members and the least share of staff representatives (职工代表).
    "APPRAISAL": {
        "WEIGHTS": (10, 30, 60),
        "EXCELLENT_SHARE": "0.20",
        "EXCELLENT_MIN": 85,
        "PASS_MIN": 60,
        "BASIC_MIN": 50,
        "PEERS_PER_PERSON": 10,
        "MIN_RATERS": 3,
        "TRIM_FROM": 5,
        "APPEAL_DAYS": 7,
        "APPEAL_DECISION_DAYS": 30,
        "COMMITTEE_MIN_MEMBERS": 3,
        "COMMITTEE_STAFF_REP_SHARE": (1, 3),
        # Performance pay (三(四)2): the reward part's share of the budget (基础性 70% / 奖励性 30%, the
        # rule for compulsory-education schools) and the grade coefficients of its split; someone not
        # graded this cycle (不定等次) takes the 合格 coefficient; a vetoed person none (VETO-PAY).
        "REWARD_SHARE": "0.30",
        "COEFFICIENTS": {"excellent": "1.2", "competent": "1.0", "basic": "0.8", "incompetent": "0"},
    },
    "PAY_RUNS_IN_THREAD": not TESTING,
    # Exits (人员退出机制): days the person has to state their case (陈述申辩) before the collective
    # review (local practice; 5 days is common); the local average monthly pay of the severance cap
    # (LAW-SEVERANCE: the city's figure the statistics bureau publishes, yuan; empty: HR enters it
    # at each settlement).
    "EXIT": {
        "STATEMENT_DAYS": int(os.environ.get("HRFLOW_EXIT_STATEMENT_DAYS", "5")),
        "LOCAL_AVERAGE_MONTHLY_PAY": os.environ.get("HRFLOW_LOCAL_AVERAGE_MONTHLY_PAY", ""),
    },
}

# Notification mail (hrflow/notifications): printed to the console under DEBUG (make run); SMTP
# from EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER / EMAIL_HOST_PASSWORD / EMAIL_USE_TLS in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hrflow@localhost")

# Long jobs (screening a round) run on Celery when a broker is configured; otherwise in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# `celery -A hrflow beat` starts the daily jobs at 06:00 Beijing time (README: Jobs).
CELERY_BEAT_SCHEDULE = {
    "hrflow-daily-jobs": {"task": "hrflow.notifications.tasks.run_daily_jobs", "schedule": crontab(hour=6, minute=0)},
}

# --- Throttling (README "What is refused and throttled"; hrflow/core/throttle.py) ---
# Rate-limit counters must be shared by every gunicorn worker: Redis when REDIS_URL is set.
# Without it (the embedded default, make run, tests) each process counts for itself.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "hrflow"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hrflow"}
}
# A counter the cache cannot read lets the request through (and is logged): see throttle.over_limit.
RATELIMIT_FAIL_OPEN = True


def env_rates(name, default):
    """'10/m,50/h' -> ['10/m', '50/h'] (django-ratelimit syntax); empty turns the limit off.
    Checked here: a mistyped rate must stop the start, not give a 500 on the public page."""
    rates = [r.strip() for r in os.environ.get(name, default).split(",") if r.strip()]
    for rate in rates:
        if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", rate):
            raise ImproperlyConfigured(f"{name}: {rate!r} is not a rate such as 10/m, 50/h or 20/d.")
    return rates


HRFLOW.update({
    # Public status check (/jobs/status/, code + ID number: a guessing target), per client address,
    # and per application code asked about (a leaked code paired with guessed ID numbers).
    "RATELIMIT_STATUS": env_rates("HRFLOW_RATELIMIT_STATUS", "10/m,50/h"),
    "RATELIMIT_STATUS_PER_CODE": env_rates("HRFLOW_RATELIMIT_STATUS_PER_CODE", "20/d"),
    # Submissions of the public apply form, per client address.
    "RATELIMIT_APPLY": env_rates("HRFLOW_RATELIMIT_APPLY", "5/m,30/h"),
    # Login POSTs per client address, across usernames: caps password spraying, which the
    # username+address lockout below does not see; high enough for a school behind one NAT.
    "RATELIMIT_LOGIN": env_rates("HRFLOW_RATELIMIT_LOGIN", "100/h"),
    # Proxies of ours in front of gunicorn that append to X-Forwarded-For (0: use REMOTE_ADDR only).
    "TRUSTED_PROXY_COUNT": int(os.environ.get("HRFLOW_TRUSTED_PROXY_COUNT", "0")),
})

# django-axes: after AXES_FAILURE_LIMIT failed logins of one username from one address, that pair
# is locked for the cool-off. By the pair, not the username alone (anyone could lock a school's HR
# officer out) nor the address alone (a school's staff share one NAT address).
AXES_FAILURE_LIMIT = int(os.environ.get("HRFLOW_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("HRFLOW_LOGIN_COOLOFF_MINUTES", "15")))
if AXES_COOLOFF_TIME <= timedelta(0) or AXES_FAILURE_LIMIT < 1:
    # axes reads a zero cool-off as "locked until an admin lifts it": never by accident.
    raise ImproperlyConfigured("HRFLOW_LOGIN_COOLOFF_MINUTES and HRFLOW_LOGIN_FAILURE_LIMIT must be at least 1.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try during the lock does not extend it, so the page can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "hrflow.core.throttle.client_ip"
AXES_USERNAME_CALLABLE = "hrflow.core.throttle.axes_username"  # bounded: no 500 on a huge name
AXES_LOCKOUT_CALLABLE = "hrflow.core.throttle.lockout_response"
# Each failure, with "locked out" marked, in the admin (Axes → access failures).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
