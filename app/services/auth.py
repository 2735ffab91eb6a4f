"""Signing in and out: server-side sessions, SMS codes and one-time SMS links."""
import hmac
import logging
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ActionLink, LoginCode, User, UserSession, utcnow
from app.models.user import token_hash
from app.services.errors import InvalidCode, LinkExpired, LinkInvalid, LinkUsed
from app.services.notifications import send_sms

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


def staff_password_login(username, password):
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_staff or not user.active or not user.check_password(password):
        audit.info("password sign-in failed username=%r", username)
        return None
    return user


def request_login_code(phone):
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
    if user is None or user.is_staff:
        raise InvalidCode()
    row = db.session.scalar(select(LoginCode).where(
        LoginCode.user_id == user.id, LoginCode.used_at.is_(None)).order_by(LoginCode.id.desc()).limit(1))
    if row is None or row.expires_at < utcnow() or row.attempts >= CODE_MAX_ATTEMPTS:
        audit.info("sign-in code refused user=%s (none, expired or exhausted)", user.id)
        raise InvalidCode()
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, token_hash(f"{user.id}:{(code or '').strip()}")):
        audit.info("sign-in code wrong user=%s attempt=%s", user.id, row.attempts)
        raise InvalidCode()
    row.used_at = utcnow()
    return user


def safe_target(target):
    """Only paths on this site: no scheme, no host, no protocol-relative //host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def create_action_link(user, target="/", purpose="sign_in", hours=None, counts_as_face_check=False):
    """Returns the path `/l/<token>` of a new one-time link for `user`."""
    raw = secrets.token_urlsafe(24)
    hours = hours or current_app.config["LINK_HOURS"]
    db.session.add(ActionLink(token_hash=token_hash(raw), user=user, target=safe_target(target),
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
