"""The case event record (事件): every change to a case is a hash-chained event row.

Payloads are built by the named constructors below (one per kind, for the kinds that more than one
module writes or reads: the hearing record the transcript is made of), so services, the demo and the
tests write the same shape. `record_event` stays the one low-level writer."""
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


# --- the hearing record (庭审记录): read back by the transcript (笔录) --------------------------

def hearing_opened(case, actor, hearing_id, *, purpose, mode, title):
    return record_event(case, actor, "hearing_opened", hearing_id=hearing_id, purpose=purpose, mode=mode,
                        title=title)


def participant_added(case, actor, hearing_id, user, role):
    """`user` takes part in the hearing as `role` (judge, clerk, plaintiff, ..., lawyer)."""
    return record_event(case, actor, "participant_added", hearing_id=hearing_id, user_id=user.id, name=user.name,
                        role=role)


def identity_verified(case, user, hearing_id, *, method, distance=None):
    """`user` was admitted to the hearing after an identity check (face, demo, clerk)."""
    return record_event(case, user, "identity_verified", hearing_id=hearing_id, user_id=user.id, name=user.name,
                        method=method, distance=distance)


def message_posted(case, author, hearing_id, *, message_id, role, text, reply_to_message_id=None,
                   about_evidence_id=None, evidence=(), trial_stage=None):
    """A message in the hearing's thread; `evidence` are the exhibits (证据) it carried."""
    data = dict(hearing_id=hearing_id, message_id=message_id, author_id=author.id, author_name=author.name,
                author_role=role, text=text, reply_to_message_id=reply_to_message_id,
                about_evidence_id=about_evidence_id, evidence_ids=[e.id for e in evidence],
                exhibits=[e.label for e in evidence])
    if trial_stage is not None:
        data["trial_stage"] = trial_stage
    return record_event(case, author, "message_posted", **data)


def evidence_added(case, actor, hearing_id, *, evidence_id, exhibit_no, exhibit, file_name, sha256):
    """An exhibit (证据) received in the hearing, with the hash of its original bytes."""
    return record_event(case, actor, "evidence_added", hearing_id=hearing_id, evidence_id=evidence_id,
                        exhibit_no=exhibit_no, exhibit=exhibit, file_name=file_name, sha256=sha256,
                        author_name=actor.name)


def item_posted(case, actor, hearing_id, *, item_id, text, addressees, deadline):
    """A litigation item (诉讼事项) for the named parties, due at `deadline` (an aware datetime)."""
    return record_event(case, actor, "item_posted", hearing_id=hearing_id, item_id=item_id, author_name=actor.name,
                        text=text, addressees=list(addressees), deadline=deadline.isoformat())


def item_answered(case, actor, hearing_id, *, item_id, message_id, text, late, party_name=None, evidence=()):
    return record_event(case, actor, "item_answered", hearing_id=hearing_id, item_id=item_id, message_id=message_id,
                        author_name=actor.name, text=text, late=late, party_name=party_name,
                        evidence_ids=[e.id for e in evidence], exhibits=[e.label for e in evidence])


def hearing_closed(case, actor, hearing_id):
    return record_event(case, actor, "hearing_closed", hearing_id=hearing_id)


def hearing_mode_changed(case, actor, hearing_id, mode):
    return record_event(case, actor, "hearing_mode_changed", hearing_id=hearing_id, mode=mode)


def deadline_extended(case, actor, hearing_id, *, item_id, old_deadline, new_deadline, reason=""):
    return record_event(case, actor, "deadline_extended", hearing_id=hearing_id, item_id=item_id,
                        old_deadline=old_deadline.isoformat(), new_deadline=new_deadline.isoformat(),
                        reason=(reason or "").strip())


def extension_requested(case, actor, hearing_id, *, item_id, reason):
    """A party asks for more time on an item (申请延期)."""
    return record_event(case, actor, "extension_requested", hearing_id=hearing_id, item_id=item_id,
                        author_name=actor.name, reason=reason)


def extension_refused(case, actor, hearing_id, *, item_id, reason):
    return record_event(case, actor, "extension_refused", hearing_id=hearing_id, item_id=item_id,
                        author_name=actor.name, reason=reason)


def item_closed(case, actor, hearing_id, item_id):
    return record_event(case, actor, "item_closed", hearing_id=hearing_id, item_id=item_id)


def item_overdue(case, hearing_id, item_id, parties):
    """Recorded by the reminder job (no actor): `parties` are the names that did not answer."""
    return record_event(case, None, "item_overdue", hearing_id=hearing_id, item_id=item_id, parties=list(parties))


# --- the asynchronous trial's conditions (SPC Online Litigation Rules 2021, Art. 20 ¶2) ----------

def async_trial_procedure(case, actor, hearing_id, procedure):
    return record_event(case, actor, "async_trial_procedure", hearing_id=hearing_id, procedure=procedure)


def async_trial_applied(case, actor, hearing_id, *, party_name, text):
    return record_event(case, actor, "async_trial_applied", hearing_id=hearing_id, party_name=party_name, text=text)


def async_trial_facts_confirmed(case, actor, hearing_id):
    return record_event(case, actor, "async_trial_facts_confirmed", hearing_id=hearing_id)


def async_trial_enabled(case, actor, hearing_id, procedure):
    return record_event(case, actor, "async_trial_enabled", hearing_id=hearing_id, procedure=procedure)


# --- consent (同意) to a stage online or to electronic service ----------------------------------

def consent_recorded(case, actor, party, *, scope, given, how):
    return record_event(case, actor, "consent_recorded", party_id=party.id, party_name=party.name, scope=scope,
                        given=bool(given), how=how)


def consent_withdrawn(case, actor, party, scope):
    return record_event(case, actor, "consent_withdrawn", party_id=party.id, party_name=party.name, scope=scope)


# --- filing (立案) ------------------------------------------------------------------------------

def correction_requested(case, actor, request):
    """The court asks for corrections (补正): the request, its deadline and every item."""
    return record_event(case, actor, "correction_requested", request_id=request.id,
                        deadline=request.deadline.isoformat(),
                        items=[{"kind": i.kind, "target": i.target, "note": i.note} for i in request.items])


def demo_seeded(case, actor, state):
    """A demo or bench case made directly in `state` (`flask demo seed`)."""
    return record_event(case, actor, "demo_seeded", state=state)


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
