"""Security counters (password failures and the like): each change is one atomic statement.

`take()` is `INSERT … ON CONFLICT DO UPDATE SET n = n + 1 … RETURNING n` on its own connection and
committed at once, so thirty guesses sent together get thirty different numbers and only the first
few are allowed to be checked, and a request that fails afterwards cannot roll its count back.
"""
from datetime import timedelta

from sqlalchemy import case, delete

from app.extensions import db
from app.models.base import utcnow
from app.models.record import SecurityCounter


def _insert():
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def take(key, window_seconds):
    """Count one more try for `key` within the window (a window that has ended starts again at 1);
    returns the number of this try."""
    now = utcnow()
    t = SecurityCounter.__table__
    expired = t.c.window_start < now - timedelta(seconds=window_seconds)
    stmt = _insert()(t).values(key=key[:160], n=1, window_start=now)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.key], set_={
        "n": case((expired, 1), else_=t.c.n + 1),
        "window_start": case((expired, now), else_=t.c.window_start)}).returning(t.c.n)
    with db.engine.begin() as conn:
        return conn.execute(stmt).scalar_one()


def clear(key):
    with db.engine.begin() as conn:
        conn.execute(delete(SecurityCounter).where(SecurityCounter.key == key[:160]))
