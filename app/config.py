"""Configuration read from the environment: one Config class, TestConfig beside it."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("MICROCOURT_INSTANCE", ROOT / "instance"))


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _secret_key():
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = None  # filled lazily in create_app
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'microcourt.db'}"
    # No pool_pre_ping: it costs a round trip on every checkout (every request). A connection that
    # died (PostgreSQL restarted) fails one request, and SQLAlchemy then discards the whole pool;
    # pool_recycle retires connections before a firewall or pgbouncer drops idle ones.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": int(os.environ.get("DATABASE_POOL_RECYCLE", "1800"))}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    STORAGE = os.environ.get("MICROCOURT_STORAGE") or str(INSTANCE / "files")
    DEMO = _bool("MICROCOURT_DEMO", False)
    TIMEZONE = os.environ.get("MICROCOURT_TIMEZONE", "Asia/Shanghai")

    # Sessions: the cookie only names a server-side session row (see models/user.py).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_LIFETIME_HOURS = int(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
    REMEMBER_COOKIE_DURATION = 0
    # Production defaults: Secure cookies and HSTS. Off only in demo mode or with an explicit
    # MICROCOURT_INSECURE=1 (plain-HTTP development); create_app() settles the None values.
    INSECURE = _bool("MICROCOURT_INSECURE", False)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE") if "SESSION_COOKIE_SECURE" in os.environ else None
    REMEMBER_COOKIE_SECURE = None
    HSTS = os.environ.get("MICROCOURT_HSTS")  # None: "max-age=31536000; includeSubDomains" when secure
    # Reverse proxies in front of the app (nginx = 1). Only then are X-Forwarded-For/-Proto
    # believed, and only the last N hops: per-IP limits key on the real client, unspoofable.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a litigant on a slow phone may leave a form open for hours
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024

    # Languages: Simplified Chinese by default, English available.
    LANGUAGES = ("zh", "en")
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("MICROCOURT_TIMEZONE", "Asia/Shanghai")

    # Rate limits (Flask-Limiter syntax). Storage: Redis when configured, else process memory.
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down must not take sign-in down with it: count in process memory until it is back.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LIMIT_PASSWORD = os.environ.get("LIMIT_PASSWORD", "5 per 10 minutes")  # per account name (normalised)
    LIMIT_PASSWORD_PER_IP = os.environ.get("LIMIT_PASSWORD_PER_IP", "30 per 10 minutes")
    # Per account, in the database: survives a Redis flush and holds across every app server.
    ACCOUNT_LOCKOUT_FAILURES = int(os.environ.get("ACCOUNT_LOCKOUT_FAILURES", "5"))
    ACCOUNT_LOCKOUT_MINUTES = int(os.environ.get("ACCOUNT_LOCKOUT_MINUTES", "10"))
    LIMIT_VERIFY = os.environ.get("LIMIT_VERIFY", "30 per minute;300 per day")  # public /verify, per IP
    LIMIT_SMS_PER_NUMBER = os.environ.get("LIMIT_SMS_PER_NUMBER", "5 per hour")
    LIMIT_SMS_PER_IP = os.environ.get("LIMIT_SMS_PER_IP", "20 per hour")
    LIMIT_SMS_GLOBAL = os.environ.get("LIMIT_SMS_GLOBAL", "2000 per hour")
    LIMIT_CODE_ATTEMPTS = os.environ.get("LIMIT_CODE_ATTEMPTS", "10 per 10 minutes")

    LOGIN_CODE_MINUTES = 5
    LINK_HOURS = int(os.environ.get("LINK_HOURS", "72"))
    FACE_VERIFIED_MINUTES = int(os.environ.get("FACE_VERIFIED_MINUTES", "10"))

    # SMS gateway: "outbox" stores only (demo, tests); "http" POSTs JSON to SMS_HTTP_URL.
    SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "outbox")
    SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL")
    SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN")
    SMS_RECEIPT_TOKEN = os.environ.get("SMS_RECEIPT_TOKEN")
    SMS_RETRY_INTERVALS = tuple(int(x) for x in os.environ.get("SMS_RETRY_INTERVALS", "10,30,120,600,1800").split(","))
    SMS_SWEEP_AFTER_SECONDS = int(os.environ.get("SMS_SWEEP_AFTER_SECONDS", "60"))
    BASE_URL = os.environ.get("MICROCOURT_BASE_URL", "http://127.0.0.1:5000")

    # Court fees (app/services/fees.py): the province's figures within the bands of the fee rules,
    # days to pay after the notice, and the online payment gateway ("http", or unset: the finance
    # office records payments).
    COURT_FEES = {"divorce": 50, "personality": 100, "non_property": 50, "ip_no_amount": 500,
                  "enforcement_no_amount": 50, "jurisdiction_objection": 50}
    FEE_PAYMENT_DAYS = int(os.environ.get("FEE_PAYMENT_DAYS", "7"))
    PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY") or None
    PAYMENT_GATEWAY_URL = os.environ.get("PAYMENT_GATEWAY_URL")
    PAYMENT_GATEWAY_SECRET = os.environ.get("PAYMENT_GATEWAY_SECRET")
    PAYMENT_MERCHANT_ID = os.environ.get("PAYMENT_MERCHANT_ID", "microcourt")

    # Face check (see app/services/faces.py for the measured distances behind the defaults).
    FACE_THRESHOLD = float(os.environ.get("FACE_THRESHOLD", "0.5"))
    FACE_BORDERLINE_BAND = float(os.environ.get("FACE_BORDERLINE_BAND", "0.04"))
    # The second photo answers a challenge (turn the head; see faces.turned_enough): a basic
    # liveness check against replaying one stolen photo, not proof against spoofing.
    FACE_LIVENESS_REQUIRED = _bool("FACE_LIVENESS_REQUIRED", True)
    FACE_CHALLENGE_SECONDS = int(os.environ.get("FACE_CHALLENGE_SECONDS", "300"))  # slow uploads need time
    FACE_CHALLENGE_MAX_DISTANCE = float(os.environ.get("FACE_CHALLENGE_MAX_DISTANCE", "0.6"))  # a turned head
    FACE_MAX_UPLOAD_MB = int(os.environ.get("FACE_MAX_UPLOAD_MB", "10"))  # per photo
    FACE_RETENTION_DAYS = int(os.environ.get("FACE_RETENTION_DAYS", "30"))  # reference photos; 0 = not kept
    FACE_FAILURES_BEFORE_DELAY = int(os.environ.get("FACE_FAILURES_BEFORE_DELAY", "5"))
    FACE_DELAY_BASE_SECONDS = int(os.environ.get("FACE_DELAY_BASE_SECONDS", "60"))  # doubles per failure
    FACE_DELAY_MAX_SECONDS = int(os.environ.get("FACE_DELAY_MAX_SECONDS", "3600"))
    # ID card self-enrolment (a court turns it on with Court.id_card_enrolment): the card portrait
    # against the live selfie has its own threshold, stricter than selfie-to-reference (card
    # portraits are small and printed; see app/services/faces.py and `make bench`).
    FACE_CARD_THRESHOLD = float(os.environ.get("FACE_CARD_THRESHOLD", "0.36"))
    FACE_CARD_BORDERLINE_BAND = float(os.environ.get("FACE_CARD_BORDERLINE_BAND", "0.06"))
    # A clerk's manual verification holds for the person (any session) this long.
    FACE_CLERK_VERIFIED_HOURS = int(os.environ.get("FACE_CLERK_VERIFIED_HOURS", "24"))
    # A form interrupted by a step-up check is kept this long (app/services/step_up.py).
    HELD_ACTION_MINUTES = int(os.environ.get("HELD_ACTION_MINUTES", "60"))
    # Identity provider (national eID or a real-name verification API): "none" or "http".
    IDENTITY_PROVIDER = os.environ.get("IDENTITY_PROVIDER", "none")
    IDENTITY_PROVIDER_URL = os.environ.get("IDENTITY_PROVIDER_URL")
    IDENTITY_PROVIDER_TOKEN = os.environ.get("IDENTITY_PROVIDER_TOKEN")
    IDENTITY_PROVIDER_TIMEOUT = float(os.environ.get("IDENTITY_PROVIDER_TIMEOUT", "10"))
    LIMIT_FACE_PER_USER = os.environ.get("LIMIT_FACE_PER_USER", "20 per hour")
    LIMIT_FACE_PER_IP = os.environ.get("LIMIT_FACE_PER_IP", "120 per hour")  # carriers share IPs (CGNAT)

    PDF_CJK_FONT = os.environ.get("PDF_CJK_FONT")

    # Online filing (网上立案): kinds offered, case-number kind codes, upload limit, time limits.
    FILING_KINDS = tuple(os.environ.get("FILING_KINDS", "civil,commercial,enforcement,administrative").split(","))
    CASE_NUMBER_CODES = {"civil": "民初", "commercial": "民初", "enforcement": "执", "administrative": "行初"}
    FILING_UPLOAD_MB = int(os.environ.get("FILING_UPLOAD_MB", "20"))
    FILING_REGISTRATION_DAYS = int(os.environ.get("FILING_REGISTRATION_DAYS", "7"))
    FILING_CORRECTION_DAYS = int(os.environ.get("FILING_CORRECTION_DAYS", "15"))  # default offered to the clerk

    # Hearing thread (微法庭): reminders before a deadline (hours), message size, page size, polling.
    HEARING_REMINDER_HOURS = tuple(int(h) for h in os.environ.get("HEARING_REMINDER_HOURS", "24,2").split(","))
    HEARING_MESSAGE_MAX = int(os.environ.get("HEARING_MESSAGE_MAX", "5000"))
    HEARING_PAGE_SIZE = 50
    HEARING_POLL_SECONDS = int(os.environ.get("HEARING_POLL_SECONDS", "5"))
    HEARING_SYNC_POLL_SECONDS = int(os.environ.get("HEARING_SYNC_POLL_SECONDS", "2"))
    HEARING_ONLINE_SECONDS = 30
    UPLOAD_LIMIT_MB_EVIDENCE = int(os.environ.get("HEARING_UPLOAD_MB", "20"))

    # The dossier log (电子卷宗): its Ed25519 checkpoint key and the court's PDF signing key and
    # certificate live outside the database. Demo mode makes throwaway ones on first use.
    DOSSIER_LOG_KEY = os.environ.get("DOSSIER_LOG_KEY") or str(INSTANCE / "keys" / "dossier-log-ed25519.pem")
    DOSSIER_LOG_NAME = os.environ.get("DOSSIER_LOG_NAME")  # default: <host of MICROCOURT_BASE_URL>/dossier
    DOSSIER_LOG_KEY_CREATE = _bool("DOSSIER_LOG_KEY_CREATE", _bool("MICROCOURT_DEMO", False))
    DOSSIER_CHECKPOINT_SECONDS = int(os.environ.get("DOSSIER_CHECKPOINT_SECONDS", "60"))
    PDF_SIGNING_KEY = os.environ.get("PDF_SIGNING_KEY") or str(INSTANCE / "keys" / "court-signing-key.pem")
    PDF_SIGNING_CERT = os.environ.get("PDF_SIGNING_CERT") or str(INSTANCE / "keys" / "court-signing-cert.pem")
    PDF_SIGNING_CA_CERT = os.environ.get("PDF_SIGNING_CA_CERT") or str(INSTANCE / "keys" / "court-ca-cert.pem")
    PDF_SIGNING_CREATE = _bool("PDF_SIGNING_CREATE", _bool("MICROCOURT_DEMO", False))  # a throwaway court CA


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://127.0.0.1:5432/test")
    REDIS_URL = None
    DEMO = True
    SMS_GATEWAY = "outbox"
    SERVER_NAME = None
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # scrypt costs ~145 ms per test user
    # Throwaway keys for every test run on this machine, made once on first use.
    DOSSIER_LOG_KEY = os.path.join(os.environ.get("TMPDIR", "/tmp"), "microcourt-test-keys", "dossier-log.pem")
    DOSSIER_LOG_KEY_CREATE = True
    PDF_SIGNING_KEY = os.path.join(os.environ.get("TMPDIR", "/tmp"), "microcourt-test-keys", "court-key.pem")
    PDF_SIGNING_CERT = os.path.join(os.environ.get("TMPDIR", "/tmp"), "microcourt-test-keys", "court-cert.pem")
    PDF_SIGNING_CA_CERT = os.path.join(os.environ.get("TMPDIR", "/tmp"), "microcourt-test-keys", "court-ca.pem")
    PDF_SIGNING_CREATE = True


def secret_key():
    return _secret_key()
