"""Idempotency keys (幂等键) of creating forms: the first POST with a key acts, a repeat gets its result.

The key is made when the form is rendered. `claim()` inserts (user, key) in the request's own
transaction, so the key is taken exactly when what the form creates is committed, and released
when the request rolls back. A second POST with the same key waits on the unique index until the
first commits, finds the key taken, and is sent to the first one's result instead of acting again.
"""
import re
import time
from datetime import timedelta

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models.base import utcnow
from app.models.record import IdempotencyKey
from app.services.errors import DomainError, N_

KEY_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class BadKey(DomainError):
    status = 400
    message = N_("This form is damaged or too old (its key is not valid). Reload the page and send it again.")


def check_key(key):
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise BadKey()
    return key


def claim(user, key, scope):
    """None when this request holds the key now (act); the earlier IdempotencyKey row when the key was
    used already (do not act, show its result)."""
    check_key(key)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(IdempotencyKey).values(user_id=user.id, key=key, scope=scope[:60], created_at=utcnow()) \
        .on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(IdempotencyKey.id)
    if db.session.execute(stmt).scalar() is not None:
        return None
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                                          IdempotencyKey.key == key))


def remember(user_id, key, url):
    """Record where the first request's result is (after its commit; a no-op if it did not commit)."""
    with db.engine.begin() as conn:
        conn.execute(update(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
                                                  IdempotencyKey.result_url.is_(None)).values(result_url=url[:500]))


def result_url(row, wait=3.0):
    """The first request's result URL; it is written just after that request commits, so wait a moment."""
    deadline = time.monotonic() + wait
    while row.result_url is None and time.monotonic() < deadline:
        time.sleep(0.1)
        db.session.refresh(row)
    return row.result_url


def purge(days=30, now=None):
    """Forget keys older than `days`: a form kept open longer than that acts again when sent."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount
