"""The case event record: every change to a case is a hash-chained event row."""
import hashlib
import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, utcnow

GENESIS = "0" * 64


def _digest(prev_hash, seq, kind, actor_id, created_at, data):
    body = json.dumps({"prev": prev_hash, "seq": seq, "kind": kind, "actor": actor_id,
                       "at": created_at.isoformat(timespec="microseconds"), "data": data},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def record_event(case, actor, kind, **data):
    """Append an event to the case's chain. Locks the case row so concurrent events stay in order."""
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    last = db.session.execute(select(CaseEvent.seq, CaseEvent.hash).where(
        CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = utcnow()
    actor_id = actor.id if actor is not None else None
    event = CaseEvent(case_id=case.id, seq=seq, kind=kind, actor_id=actor_id, data=data,
                      created_at=at, prev_hash=prev, hash=_digest(prev, seq, kind, actor_id, at, data))
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain(case_id):
    """Problems found in a case's event chain, as English sentences (empty when intact)."""
    problems, prev = [], GENESIS
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            problems.append(f"event #{expected_seq} is missing")
        if ev.prev_hash != prev:
            problems.append(f"event #{ev.seq} ({ev.kind}) does not follow the one before it")
        if ev.hash != _digest(ev.prev_hash, ev.seq, ev.kind, ev.actor_id, ev.created_at, ev.data):
            problems.append(f"event #{ev.seq} ({ev.kind}) was changed after it was recorded")
        prev = ev.hash
    return problems


def event_count(case_id):
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
