"""Held actions (挂起的操作): a form that a step-up check (face check, sign-in) interrupted, kept
server-side so the person comes back to the same step with what they typed.

The raw key lives only in the browser's cookie session; the row holds its hash, the path the
form was posted to, the page to go back to, and the fields (never the CSRF token, never files).
"""
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import HeldAction, utcnow
from app.models.user import token_hash
from app.services.auth import safe_target

SKIP_FIELDS = ("csrf_token", "_held")
MAX_FIELDS = 200
MAX_CHARS = 2_000_000  # a drawn signature (a data URL) fits; anything bigger is not held


def hold(user, reason, path, back, fields):
    """Keep `fields` (a MultiDict or pairs) posted to `path`. Returns (row, raw key), or (None, None)
    when the form is too big to hold whole (never a truncated copy)."""
    items = fields.items(multi=True) if hasattr(fields, "items") and hasattr(fields, "getlist") else fields
    kept = [[k, v] for k, v in items if k not in SKIP_FIELDS and isinstance(v, str)]
    if len(kept) > MAX_FIELDS or sum(len(k) + len(v) for k, v in kept) > MAX_CHARS:
        return None, None
    raw = secrets.token_urlsafe(24)
    row = HeldAction(key_hash=token_hash(raw), user_id=user.id if user is not None else None, reason=reason,
                     path=safe_target(path), back=safe_target(back), fields=kept,
                     expires_at=utcnow() + timedelta(minutes=current_app.config["HELD_ACTION_MINUTES"]))
    db.session.add(row)
    db.session.flush()
    return row, raw


def find(raw, user=None):
    """The live held action for this key and person, or None (used, expired, someone else's)."""
    if not raw:
        return None
    row = db.session.scalar(select(HeldAction).where(HeldAction.key_hash == token_hash(raw)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if row.user_id is not None and (user is None or row.user_id != getattr(user, "id", None)):
        return None
    return row


def claim(raw, user):
    """Mark the held action used (once), binding it to `user` when it was held before sign-in."""
    row = find(raw, user)
    if row is None:
        return None
    row.used_at = utcnow()
    if row.user_id is None:
        row.user_id = user.id
    db.session.flush()
    return row
