"""Signing in and out: server-side sessions, SMS codes and one-time SMS links, the staff lockout
and the one `safe_next()` every redirect to a `next` goes through."""
import hmac
import logging
import re
import secrets
import unicodedata
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import ActionLink, LoginCode, SignInCodeRequest, User, UserSession, utcnow
from app.models.user import token_hash
from app.services.errors import DomainError, InvalidCode, LinkExpired, LinkInvalid, LinkUsed, N_
from app.services.notifications import send_sms
from app.services.queue import enqueue_after_commit

audit = logging.getLogger("microcourt.audit")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
CODE_MAX_ATTEMPTS = 5


def normalise_phone(raw):
    """Mainland mobile numbers: strip spaces, dashes and a +86 prefix. None when not a mobile."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if MOBILE_RE.match(digits) else None


def start_session(user, method, ip=None, face_verified=False):
    """A fresh server-side session; returns the raw token for the cookie."""
    raw = secrets.token_urlsafe(32)
    row = UserSession(token_hash=token_hash(raw), user=user, method=method, ip=ip,
                      expires_at=utcnow() + timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"]))
    if face_verified:
        row.verify_face_for(current_app.config["FACE_VERIFIED_MINUTES"])
    db.session.add(row)
    db.session.flush()
    audit.info("sign-in user=%s method=%s ip=%s", user.id, method, ip)
    return row, raw


def load_session(raw):
    if not raw:
        return None
    # The session row and its user in one statement: this runs on every signed-in request.
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(raw))
                            .options(joinedload(UserSession.user)))
    if row is None or not row.live or not row.user.active:
        return None
    return row


def end_session(row):
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.info("sign-out user=%s session=%s", row.user_id, row.id)


class AccountLocked(DomainError):
    """Too many wrong passwords for this account: even the right one waits (per account, in the database)."""
    status = 429
    message = N_("Too many attempts. Please wait a few minutes and try again.")


def normalise_username(raw):
    """The one form of a user name used for lookups and rate limits: NFKC, trimmed, case-folded,
    so "Judge", " judge\t" and the full-width "ｊｕｄｇｅ" are the same account and share one count."""
    return unicodedata.normalize("NFKC", raw or "").strip().casefold()


_dummy_hashes = {}


def _dummy_hash():
    """A real hash of a random password with the configured method: checking a password against it
    costs what checking a real one costs, so unknown names answer as slowly as known ones."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _dummy_hashes[method]


def staff_password_login(username, password):
    """The staff account for this name and password, or None. Raises AccountLocked while the
    account is locked, even for the right password. Exactly one password hash is checked on every
    path (unknown name, litigant, inactive, locked, wrong or right password).

    Each try takes a number from the account's counter (an atomic UPDATE … RETURNING) before its
    password counts, so guesses sent in parallel, to several app servers, get no more than
    ACCOUNT_LOCKOUT_FAILURES checks between two successes; the try that reaches the limit with a
    wrong password locks the account for ACCOUNT_LOCKOUT_MINUTES."""
    cfg = current_app.config
    name = normalise_username(username)
    user = db.session.scalar(select(User).where(func.lower(User.username) == name)) if name else None
    usable = user is not None and user.is_staff and user.active and bool(user.password_hash)
    matches = check_password_hash(user.password_hash if usable else _dummy_hash(), password or "")
    if not usable:
        audit.info("password sign-in failed (no such staff account) username=%r", name)
        return None
    now = utcnow()
    # A lock that has run out starts a fresh count (conditional, so two servers cannot both reset).
    db.session.execute(update(User).where(User.id == user.id, User.locked_until <= now)
                       .values(failed_sign_ins=0, locked_until=None))
    tries = db.session.execute(update(User).where(User.id == user.id)
                               .values(failed_sign_ins=User.failed_sign_ins + 1)
                               .returning(User.failed_sign_ins, User.locked_until)).one()
    limit = cfg["ACCOUNT_LOCKOUT_FAILURES"]
    if tries.locked_until is not None or tries.failed_sign_ins > limit:
        audit.info("password sign-in refused, account locked user=%s try=%s", user.id, tries.failed_sign_ins)
        raise AccountLocked()
    if matches:
        db.session.execute(update(User).where(User.id == user.id).values(failed_sign_ins=0, locked_until=None))
        return user
    audit.info("password sign-in failed user=%s try=%s", user.id, tries.failed_sign_ins)
    if tries.failed_sign_ins >= limit:
        until = now + timedelta(minutes=cfg["ACCOUNT_LOCKOUT_MINUTES"])
        db.session.execute(update(User).where(User.id == user.id).values(locked_until=until))
        audit.warning("account locked user=%s until=%s", user.id, until)
    return None


def request_login_code(phone, ip=None):
    """Ask for a sign-in code for this number. The request does the same work whether or not the
    number is registered (one row, one job; no lookup), so neither its answer nor its timing tells
    who has an account. The job decides (`handle_code_request`). The job goes through the outbox
    like every other job, so a Redis outage loses no request: `jobs.outbox.sweep` sends it again."""
    row = SignInCodeRequest(phone=phone, ip=ip)
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit("jobs.signin.send_login_code", row.id, queue="notifications")
    return row


def handle_code_request(request_id):
    """The job's work, once per request (a second run, e.g. the outbox sweep after a Redis outage,
    finds it handled). Requests older than a code's lifetime are dropped: a late code only confuses."""
    row = db.session.scalars(select(SignInCodeRequest).where(SignInCodeRequest.id == request_id)
                             .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if row is None or row.handled_at is not None:
        return None
    now = utcnow()
    if row.created_at < now - timedelta(minutes=current_app.config["LOGIN_CODE_MINUTES"]):
        row.handled_at, row.outcome = now, "expired"
        return None
    user = send_login_code(row.phone)
    row.handled_at, row.outcome = now, ("sent" if user else "unknown")
    return user


def send_login_code(phone):
    """Send a code if the number belongs to a litigant or lawyer. Says nothing either way."""
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is None or user.is_staff or not user.active:
        audit.info("sign-in code requested for unknown number")
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    db.session.add(LoginCode(user=user, code_hash=token_hash(f"{user.id}:{code}"),
                             expires_at=utcnow() + timedelta(minutes=current_app.config["LOGIN_CODE_MINUTES"])))
    with force_locale("zh"):
        body = _("[MicroCourt] Your sign-in code is %(code)s, valid for %(minutes)s minutes. "
                 "Do not share it.", code=code, minutes=current_app.config["LOGIN_CODE_MINUTES"])
    send_sms(phone, body, kind="login_code", user=user)
    return user


def verify_login_code(phone, code):
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is not None and user.is_staff:
        user = None
    # The same queries for an unknown number as for a known one.
    row = db.session.scalar(select(LoginCode).where(
        LoginCode.user_id == (user.id if user else 0), LoginCode.used_at.is_(None))
        .order_by(LoginCode.id.desc()).limit(1))
    if user is None:
        raise InvalidCode()
    if row is None or row.expires_at < utcnow() or row.attempts >= CODE_MAX_ATTEMPTS:
        audit.info("sign-in code refused user=%s (none, expired or exhausted)", user.id)
        raise InvalidCode()
    # One atomic UPDATE ... RETURNING takes the attempt: 30 guesses at once get at most five tries,
    # where a read-then-write would let every one of them through on the same stale count.
    attempt = db.session.execute(update(LoginCode).where(
        LoginCode.id == row.id, LoginCode.used_at.is_(None), LoginCode.attempts < CODE_MAX_ATTEMPTS)
        .values(attempts=LoginCode.attempts + 1).returning(LoginCode.attempts)
        .execution_options(synchronize_session=False)).scalar()
    if attempt is None:
        audit.info("sign-in code refused user=%s (used or exhausted meanwhile)", user.id)
        raise InvalidCode()
    if not hmac.compare_digest(row.code_hash, token_hash(f"{user.id}:{(code or '').strip()}")):
        audit.info("sign-in code wrong user=%s attempt=%s", user.id, attempt)
        raise InvalidCode()
    used = db.session.execute(update(LoginCode).where(LoginCode.id == row.id, LoginCode.used_at.is_(None))
                              .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if used.rowcount != 1:  # the right code, typed twice at once: only one sign-in
        raise InvalidCode()
    db.session.expire(row)
    return user


# Characters a browser drops or treats as a separator inside a URL (tab, CR, LF, other controls,
# zero-width and bidi marks): "/\t/evil.example" reaches the browser as "//evil.example".
def _has_hidden_chars(text):
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def _is_local_path(text):
    if not text.startswith("/") or text[1:2] in ("/", "\\") or "\\" in text or _has_hidden_chars(text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def safe_next(target, default="/"):
    """The one check for every `next` this site follows: `target` if it is a same-site relative
    path, else `default`. The raw value, its percent-decoded forms and its NFKC form must all be a
    path starting with a single "/": no scheme, no host, no "//" or "/\\", no control or invisible
    characters (a tab or newline is refused, never turned into a broken Location header)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    seen, form = [], target
    for _round in range(3):  # %2509 -> %09 -> TAB: decode until nothing changes
        seen.append(form)
        decoded = unquote(form)
        if decoded == form:
            break
        form = decoded
    seen.append(form)
    seen.append(unicodedata.normalize("NFKC", form))
    return target if all(_is_local_path(f) for f in seen) else default


safe_target = safe_next  # the same function under its former name, still used by other areas


def create_action_link(user, target="/", purpose="sign_in", hours=None, counts_as_face_check=False):
    """Returns the path `/l/<token>` of a new one-time link for `user`."""
    raw = secrets.token_urlsafe(24)
    hours = hours or current_app.config["LINK_HOURS"]
    db.session.add(ActionLink(token_hash=token_hash(raw), user=user, target=safe_next(target),
                              purpose=purpose, expires_at=utcnow() + timedelta(hours=hours),
                              counts_as_face_check=counts_as_face_check))
    db.session.flush()
    return f"/l/{raw}"


def check_action_link(raw):
    row = db.session.scalar(select(ActionLink).where(ActionLink.token_hash == token_hash(raw or "")))
    if row is None:
        raise LinkInvalid()
    if row.used_at is not None:
        raise LinkUsed()
    if row.expires_at < utcnow():
        raise LinkExpired()
    return row


def use_action_link(raw):
    """Mark the link used exactly once, even with two tabs or a double click."""
    row = check_action_link(raw)
    done = db.session.execute(update(ActionLink).where(
        ActionLink.id == row.id, ActionLink.used_at.is_(None)).values(used_at=utcnow()))
    if done.rowcount != 1:
        raise LinkUsed()
    audit.info("link used user=%s purpose=%s", row.user_id, row.purpose)
    return row


def used_link_for(raw):
    """The row of a link that was already used, or None. Its owner may come back through it
    (same person, signed in), or sign in and land on its step; nobody else gets anything."""
    row = db.session.scalar(select(ActionLink).where(ActionLink.token_hash == token_hash(raw or "")))
    return row if row is not None and row.used_at is not None else None
