"""Serialised decisions: lock a row, re-read it, then decide; and the loser's "already decided" message.

`SELECT … FOR UPDATE` alone is not enough: the object already in the session keeps the values it
was loaded with, so a state check after the lock reads stale data. `lock()` takes the lock with
`populate_existing` *and consumes the row*, which is what actually overwrites the loaded object.
"""
from flask import current_app
from sqlalchemy import inspect, select

from app.extensions import db
from app.services import court_time
from app.models import CaseEvent
from app.services.errors import InvalidState, N_


class AlreadyDecided(InvalidState):
    """Someone else decided first (已被他人处理); the message says who and when when it is known."""
    message = N_("A colleague has already decided this filing; reload to see the decision.")


def lock(obj):
    """Lock `obj`'s row until the transaction ends and reload its columns from the database."""
    obj = obj._get_current_object() if hasattr(obj, "_get_current_object") else obj  # current_user
    mapper = inspect(type(obj))
    (pk,) = mapper.primary_key
    db.session.execute(select(mapper).where(pk == getattr(obj, pk.key)).with_for_update()
                       .execution_options(populate_existing=True)).scalar_one()
    return obj


def lock_id(model, ident):
    """Load and lock a row by id (None when it is gone)."""
    (pk,) = inspect(model).primary_key
    return db.session.execute(select(model).where(pk == ident).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def already_decided(user_id, moment, error=AlreadyDecided):
    """The loser's error when the row itself says who decided (`decided_by_id`) and when."""
    from app.models import User
    who = db.session.get(User, user_id) if user_id else None
    return error(N_("Already decided by %(name)s at %(when)s; reload the page to see the decision."),
                 name=who.name if who else "MicroCourt", when=court_time.format_moment(moment) if moment else "—")


def decided_by(case_id, kinds, error=AlreadyDecided, **match):
    """The error for the loser of a race: "already decided by NAME at TIME", read from the last event
    of one of `kinds` on the case (optionally whose data matches `match`)."""
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind.in_(kinds))
                                .order_by(CaseEvent.seq.desc()).limit(50)).all()
    for ev in events:
        if all((ev.data or {}).get(k) == v for k, v in match.items()):
            name = ev.actor.name if ev.actor is not None else "MicroCourt"
            return error(N_("Already decided by %(name)s at %(when)s; reload the page to see the decision."),
                         name=name, when=court_time.format_moment(ev.created_at))
    return error()
