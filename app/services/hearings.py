"""The hearing thread (微法庭 / 异步审理): opening a room, messages, litigation items (诉讼事项) with
deadlines, extensions, evidence with exhibit numbers, consent and identity per stage, the conditions of
an asynchronous trial (SPC Online Litigation Rules 2021, Art. 20 ¶2), and deadline reminders.

Every change is a case event (constructors in `app/services/events.py`: the transcript is built from them).
"""
import io
import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, CaseEvent, utcnow
from app.models.hearing import (PURPOSES, TRIAL_STAGES, AsyncTrialConditions, DeadlineChange, Evidence,
                                ExtensionRequest, Hearing, HearingItem, HearingParticipant, ItemAddressee, Message,
                                ReminderSent)
from app.services import consent as consent_service
from app.services import court_time, events, storage
from app.services.auth import create_action_link
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.locking import already_decided, lock, lock_id
from app.services.notifications import send_sms
from app.services.queue import enqueue_after_commit

log = logging.getLogger("microcourt.hearings")
audit = logging.getLogger("microcourt.audit")


class CaseNotAccepted(InvalidState):
    message = N_("A hearing can only be opened for an accepted case.")


class HearingClosed(InvalidState):
    message = N_("This hearing is closed; nothing more can be posted.")


class ItemClosed(InvalidState):
    message = N_("This item is closed; it can no longer be answered.")


class NotAddressed(NotAllowed):
    message = N_("This item is not addressed to you.")


class EmptyMessage(DomainError):
    message = N_("Write a message or attach a file.")


class MessageTooLong(DomainError):
    message = N_("The message is too long: at most %(max)s characters.")


class BadDeadline(DomainError):
    message = N_("The deadline must be in the future.")


class NoAddressees(DomainError):
    message = N_("Choose at least one party.")


class ConsentMissing(NotAllowed):
    message = N_("The party has not consented to this stage online.")


class WithdrawalPending(InvalidState):
    message = N_("Your request to withdraw consent is waiting for the judge's decision.")


class NoEvidenceExchangeYet(InvalidState):
    message = N_("First hold an online evidence exchange or inquiry: only then can the main facts be found undisputed.")


class AsyncTrialNotAllowed(InvalidState):
    message = N_("An asynchronous trial is not possible yet: not all conditions of Art. 20 ¶2 are met.")


# --- participants, consent, identity ----------------------------------------------------------

def participant_for(hearing, user):
    return hearing.participant_for(user)


def _role_of(hearing, user):
    p = hearing.participant_for(user)
    return p.role if p else user.role


def _touch(hearing, when=None):
    hearing.changed_at = when or utcnow()


def _add_participant(hearing, actor, user, role, party=None):
    if hearing.participant_for(user) is not None:
        return hearing.participant_for(user)
    p = HearingParticipant(user=user, user_id=user.id, role=role, name=user.name, party=party)
    hearing.participants.append(p)
    db.session.flush()
    events.participant_added(hearing.case, actor, hearing.id, user, role)
    return p


def open_hearing(case, actor, *, purpose, mode="async", title="", parties=None, clerks=()):
    """Open a room for an accepted case; its parties (with accounts), their lawyers and clerks take part."""
    if not case.can_run(actor):
        raise NotAllowed()
    if case.state not in ("accepted", "hearing"):
        raise CaseNotAccepted()
    if purpose not in PURPOSES or mode not in ("async", "sync"):
        raise DomainError()
    if purpose == "trial" and mode == "async":
        # Art. 20 ¶2: an asynchronous trial needs its conditions recorded first (see enable_async_trial).
        raise AsyncTrialNotAllowed()
    hearing = Hearing(case=case, purpose=purpose, mode=mode, title=title.strip()[:200], opened_by_id=actor.id)
    db.session.add(hearing)
    db.session.flush()
    events.hearing_opened(case, actor, hearing.id, purpose=purpose, mode=mode, title=hearing.title)
    judge = case.judge or (actor if actor.role == "judge" else None)
    if judge is not None:
        _add_participant(hearing, actor, judge, "judge")
    _add_participant(hearing, actor, actor, actor.role)
    for clerk in clerks:
        if case.court.is_staff(clerk, roles=("clerk",)):
            _add_participant(hearing, actor, clerk, "clerk")
    chosen = case.parties if parties is None else parties
    for party in chosen:
        if party.case_id != case.id:
            raise NotAllowed()
        if refused_online(case, party):
            # Art. 4: a party who refused online litigation takes part offline; no online items,
            # deadlines or "overdue" records reach them (art. 6 binds only those who agreed).
            record_event(case, actor, "party_offline", hearing_id=hearing.id, party_id=party.id, name=party.name)
            continue
        if party.user is not None:
            _add_participant(hearing, actor, party.user, party.role, party)
        if party.lawyer is not None:
            _add_participant(hearing, actor, party.lawyer, "lawyer", party)
    if case.state == "accepted":
        from app.services.lifecycle import transition
        transition(case, "start_hearing", actor, hearing_id=hearing.id)
    return hearing


def refused_online(case, party):
    """Whether the party answered "no" to online litigation (at joining, or later)."""
    row = consent_service.current(case, party, "online_litigation")
    return row is not None and not row.given


def needs_consent(hearing, user):
    """The party a person speaks for, when that party has not (or no longer) consented to this stage."""
    p = hearing.participant_for(user)
    if p is None or p.party is None:
        return None
    return None if consent_service.has_consent(hearing.case, p.party, hearing.purpose) else p.party


def give_consent(hearing, actor, given):
    p = hearing.participant_for(actor)
    if p is None or p.party is None:
        raise NotAllowed()
    consent_service.record_consent(hearing.case, p.party, hearing.purpose, given, actor)
    if not given:
        _system(hearing, actor, "consent_refused", party=p.party.name)
    return p.party


def withdraw_consent(hearing, actor, reason="", scope=None):
    """Art. 5: a party who agreed and changes their mind asks the court before the activity; the judge
    reviews the request (decide_consent_withdrawal) and, if granted, the stage goes offline or live for
    them. Consent to an asynchronous trial (scope async_trial) is withdrawn the same way."""
    p = hearing.participant_for(actor)
    if p is None or p.party is None:
        raise NotAllowed()
    scope = scope or hearing.purpose
    if scope not in (hearing.purpose, "async_trial") or (scope == "async_trial" and hearing.purpose != "trial"):
        raise NotAllowed()
    if not consent_service.has_consent(hearing.case, p.party, scope):
        return p.party
    if pending_withdrawal(hearing, p.party, scope) is not None:
        raise WithdrawalPending()
    record_event(hearing.case, actor, "consent_withdrawal_requested", hearing_id=hearing.id, party_id=p.party.id,
                 party_name=p.party.name, scope=scope, reason=(reason or "").strip()[:2000])
    _system(hearing, actor, "consent_withdrawal_requested", party=p.party.name)
    return p.party


def pending_withdrawal(hearing, party, scope):
    """The party's request to withdraw consent to `scope` in this hearing, while the court has not decided."""
    events = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == hearing.case_id,
        CaseEvent.kind.in_(("consent_withdrawal_requested", "consent_withdrawal_decided")))
        .order_by(CaseEvent.seq.desc())).all()
    for e in events:
        d = e.data or {}
        if d.get("hearing_id") == hearing.id and d.get("party_id") == party.id and d.get("scope") == scope:
            return e if e.kind == "consent_withdrawal_requested" else None
    return None


def pending_withdrawals(case):
    """[(hearing, party, request event)] waiting for the court, across the case's hearings."""
    out = []
    for hearing in hearings_of(case):
        for party in case.parties:
            for scope in {hearing.purpose, "async_trial"}:
                event = pending_withdrawal(hearing, party, scope)
                if event is not None:
                    out.append((hearing, party, event))
    return out


def decide_consent_withdrawal(hearing, actor, party, scope, grant, reasons):
    """The judge decides a withdrawal of consent with reasons. Granted: consent ends and the stage is held
    offline or live for that party (an asynchronous trial goes back to a live one). Refused: consent stands."""
    _require_run(hearing, actor)
    reasons = _check_text(reasons, required=True)
    if party.case_id != hearing.case_id or pending_withdrawal(hearing, party, scope) is None:
        raise InvalidState()
    if grant:
        consent_service.withdraw_consent(hearing.case, party, scope, actor)
        if scope == "async_trial" and hearing.mode == "async":
            hearing.mode = "sync"
        _system(hearing, actor, "consent_withdrawn", party=party.name)
    else:
        _system(hearing, actor, "consent_withdrawal_refused", party=party.name)
    record_event(hearing.case, actor, "consent_withdrawal_decided", hearing_id=hearing.id, party_id=party.id,
                 scope=scope, granted=bool(grant), reasons=reasons)
    return grant


def needs_admission(hearing, user, session_row):
    """Parties and lawyers are face-checked again for each hearing (once per sign-in session)."""
    p = hearing.participant_for(user)
    if p is None or p.is_staff:
        return False
    return session_row is None or p.verified_session_id != session_row.id


def admit(hearing, user, session_row, method="face"):
    """Record that a freshly face-checked person (in sign-in session `session_row`) took part in this
    hearing's room."""
    p = hearing.participant_for(user)
    if p is None:
        raise NotAllowed()
    p.verified_at, p.verified_method = utcnow(), method
    p.verified_session_id = session_row.id if session_row else None
    events.identity_verified(hearing.case, user, hearing.id, method=method)
    return p


def seen(hearing, user, now=None):
    """Who is online (synchronous mode): last seen, written at most every 10 s per person."""
    p = hearing.participant_for(user)
    now = now or utcnow()
    if p is not None and (p.last_seen_at is None or now - p.last_seen_at > timedelta(seconds=10)):
        p.last_seen_at = now
        return True
    return False


def online(hearing, now=None):
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["HEARING_ONLINE_SECONDS"])
    return [p for p in hearing.participants if p.last_seen_at and p.last_seen_at >= cutoff]


def set_mode(hearing, actor, mode):
    """Switch between asynchronous and live; e.g. after a party withdraws consent to the async stage."""
    _require_run(hearing, actor)
    _require_open(hearing)
    if mode not in ("async", "sync"):
        raise DomainError()
    if mode == "async" and hearing.purpose == "trial" and not _trial(hearing).enabled_at:
        raise AsyncTrialNotAllowed()
    if hearing.mode != mode:
        hearing.mode = mode
        events.hearing_mode_changed(hearing.case, actor, hearing.id, mode)
        _system(hearing, actor, "mode_" + mode)
    return hearing


# --- messages and evidence --------------------------------------------------------------------

def _require_open(hearing):
    lock(hearing)  # a close racing a post: the post sees the hearing as it is now
    if not hearing.is_open:
        raise HearingClosed()


def _require_run(hearing, actor):
    if not hearing.can_run(actor):
        raise NotAllowed()


def _require_member(hearing, actor):
    if not hearing.can_view(actor):
        raise NotAllowed()
    if needs_consent(hearing, actor) is not None:
        raise ConsentMissing()


def _check_text(text, required):
    text = (text or "").strip()
    limit = current_app.config["HEARING_MESSAGE_MAX"]
    if len(text) > limit:
        raise MessageTooLong(max=limit)
    if required and not text:
        raise EmptyMessage()
    return text


def _existing(actor, key):
    if not key:
        return None
    return db.session.scalar(select(Message).where(Message.author_id == actor.id, Message.idempotency_key == key))


def _insert_ignore(model, values, unique_cols):
    """INSERT ... ON CONFLICT DO NOTHING: the row's id, or None when the unique key already exists.

    No savepoint: in SQLAlchemy 2.1 releasing one fires `after_commit`, which would start the
    jobs waiting for the real commit too early."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=unique_cols).returning(model.id)
    return db.session.execute(stmt).scalar()


def _insert_message(hearing, actor, key, **values):
    """Insert once per (author, idempotency key): a double post returns the first message, new=False."""
    found = _existing(actor, key)
    if found is not None:
        return found, False
    row = dict(hearing_id=hearing.id, author_id=actor.id, author_name=actor.name, author_role=_role_of(hearing, actor),
               idempotency_key=(key or None), created_at=utcnow(), **values)
    if key:
        msg_id = _insert_ignore(Message, row, ["author_id", "idempotency_key"])
        if msg_id is None:  # the same key posted concurrently: the other request won
            return _existing(actor, key), False
        msg = db.session.get(Message, msg_id)
    else:
        msg = Message(**row)
        db.session.add(msg)
        db.session.flush()
    _touch(hearing, msg.created_at)
    return msg, True


def _system(hearing, actor, what, **data):
    """A note in the thread about something that happened, rendered in each reader's language."""
    msg = Message(hearing_id=hearing.id, kind="system", author_id=actor.id if actor else None,
                  author_name=actor.name if actor else "", author_role=_role_of(hearing, actor) if actor else "",
                  data=dict(what=what, **data), item_id=data.get("item_id"))
    db.session.add(msg)
    db.session.flush()
    _touch(hearing)
    return msg


def _next_exhibit_no(case):
    # The case row lock serialises exhibit numbering (record_event takes the same lock).
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    return (db.session.scalar(select(func.max(Evidence.exhibit_no)).where(Evidence.case_id == case.id)) or 0) + 1


def add_evidence(hearing, actor, file_storage=None, *, stored=None, message=None, kind="evidence", stage=None):
    """Store an attachment (original bytes and SHA-256 at receipt) and give it the next exhibit number."""
    case = hearing.case
    p = hearing.participant_for(actor)
    if stored is None:
        stored = storage.save_upload(file_storage, kind="video" if kind == "video_statement" else "evidence",
                                     actor=actor, case=case)
    ev = Evidence(case_id=case.id, hearing_id=hearing.id, message=message, exhibit_no=_next_exhibit_no(case),
                  file_id=stored.id, file=stored, submitted_by_id=actor.id, party_id=p.party_id if p else None,
                  kind=kind, trial_stage=stage)
    db.session.add(ev)
    db.session.flush()
    events.evidence_added(case, actor, hearing.id, evidence_id=ev.id, exhibit_no=ev.exhibit_no, exhibit=ev.label,
                          file_name=stored.original_name, sha256=stored.sha256)
    if stored.content_type.startswith("image/") and stored.content_type != "image/heic":
        enqueue_after_commit("jobs.hearings.make_thumbnail", ev.id, queue="media", job_id=f"thumb-{ev.id}")
    return ev


def _check_refs(hearing, reply_to_id, about_evidence_id):
    reply_to = about = None
    if reply_to_id:
        reply_to = db.session.get(Message, int(reply_to_id))
        if reply_to is None or reply_to.hearing_id != hearing.id:
            raise NotAllowed()
    if about_evidence_id:
        about = db.session.get(Evidence, int(about_evidence_id))
        if about is None or about.case_id != hearing.case_id:
            raise NotAllowed()
    return reply_to, about


def post_message(hearing, actor, text, *, key=None, files=(), reply_to_id=None, about_evidence_id=None):
    """Post to the thread. Returns the message; a double post (same key) returns the first one."""
    _require_member(hearing, actor)
    _require_open(hearing)
    files = [f for f in files if f and f.filename]
    text = _check_text(text, required=not files)
    reply_to, about = _check_refs(hearing, reply_to_id, about_evidence_id)
    msg, new = _insert_message(hearing, actor, key, kind="text", text=text, reply_to_id=reply_to.id if reply_to else None,
                               about_evidence_id=about.id if about else None)
    if not new:
        return msg
    evidence = [add_evidence(hearing, actor, f, message=msg) for f in files]
    events.message_posted(hearing.case, actor, hearing.id, message_id=msg.id, role=msg.author_role, text=text,
                          reply_to_message_id=msg.reply_to_id, about_evidence_id=msg.about_evidence_id,
                          evidence=evidence)
    return msg


# --- litigation items -------------------------------------------------------------------------

def _item_no(item):
    """The item's number within its hearing, as pages show it (第1项 is a hearing's first item)."""
    from app.services.item_numbers import item_no
    return item_no(item.hearing_id, item.id)


def _item_path(item):
    return f"/cases/{item.hearing.case_id}/hearings/{item.hearing_id}/items/{item.id}"


def _people(party):
    """The accounts that speak for a party: the party's own and their lawyer's."""
    return [u for u in (party.user, party.lawyer) if u is not None]


def _sms_item(item, user, body_fn, kind):
    if not user.phone:
        return None
    url = current_app.config["BASE_URL"].rstrip("/") + create_action_link(user, target=_item_path(item),
                                                                           purpose="hearing_item")
    with force_locale("zh"):
        body = body_fn(url)
    return send_sms(user.phone, body, kind=kind, user=user, case=item.hearing.case)


def post_item(hearing, actor, text, *, parties, deadline, key=None, now=None):
    """Post a litigation item to one or more parties, with an answer deadline; each gets an SMS link."""
    _require_run(hearing, actor)
    _require_open(hearing)
    text = _check_text(text, required=True)
    if not parties:
        raise NoAddressees()
    if deadline <= (now or utcnow()):
        raise BadDeadline()
    if any(p.case_id != hearing.case_id for p in parties):
        raise NotAllowed()
    msg, new = _insert_message(hearing, actor, key, kind="item", text=text)
    if not new:
        return msg.item
    item = HearingItem(hearing=hearing, hearing_id=hearing.id, message_id=msg.id, author_id=actor.id, text=text,
                       deadline=deadline)
    item.addressees = [ItemAddressee(party=p, party_id=p.id) for p in parties]
    db.session.add(item)
    db.session.flush()
    msg.item_id = item.id
    events.item_posted(hearing.case, actor, hearing.id, item_id=item.id, text=text,
                       addressees=[p.name for p in parties], deadline=deadline)
    case, due = hearing.case, court_time.format_deadline(deadline)
    for party in parties:
        for user in _people(party):
            _sms_item(item, user, lambda url: _(
                "[MicroCourt] Case %(number)s: the court has a question for you (item %(item)s), "
                "answer by %(due)s. Open: %(url)s", number=case.number, item=_item_no(item), due=due, url=url), "hearing_item")
    return item


def answer_item(item, actor, text, *, key=None, files=(), now=None):
    """Answer an item. After the deadline the answer is accepted and marked late, never lost."""
    hearing = item.hearing
    _require_member(hearing, actor)
    _require_open(hearing)
    lock(item)
    if not item.is_open:
        raise ItemClosed()
    addressee = item.addressee_for(actor)
    if addressee is None:
        raise NotAddressed()
    lock(addressee)
    files = [f for f in files if f and f.filename]
    text = _check_text(text, required=not files)
    now = now or utcnow()
    late = now > item.deadline
    msg, new = _insert_message(hearing, actor, key, kind="answer", text=text, item_id=item.id, late=late,
                               reply_to_id=item.message_id)
    if not new:
        return msg
    evidence = [add_evidence(hearing, actor, f, message=msg) for f in files]
    if addressee.answered_at is None:
        addressee.answered_at, addressee.answer_message_id, addressee.late = now, msg.id, late
    events.item_answered(hearing.case, actor, hearing.id, item_id=item.id, message_id=msg.id, text=text, late=late,
                         party_name=addressee.party.name, evidence=evidence)
    return msg


def _notify_deadline(item, actor, new_deadline):
    """Every change of a deadline notifies everyone it concerns."""
    case, due = item.hearing.case, court_time.format_deadline(new_deadline)
    for a in item.addressees:
        for user in _people(a.party):
            _sms_item(item, user, lambda url: _(
                "[MicroCourt] Case %(number)s: the deadline of item %(item)s is now %(due)s. Open: %(url)s",
                number=case.number, item=_item_no(item), due=due, url=url), "hearing_deadline")


def extend_deadline(item, actor, new_deadline, reason="", now=None):
    hearing = item.hearing
    _require_run(hearing, actor)
    _require_open(hearing)
    lock(item)
    if not item.is_open:
        raise ItemClosed()
    if new_deadline <= (now or utcnow()):
        raise BadDeadline()
    old = item.deadline
    db.session.add(DeadlineChange(item_id=item.id, old_deadline=old, new_deadline=new_deadline,
                                  reason=(reason or "").strip()[:2000], actor_id=actor.id))
    item.deadline = new_deadline
    events.deadline_extended(hearing.case, actor, hearing.id, item_id=item.id, old_deadline=old,
                             new_deadline=new_deadline, reason=reason)
    _system(hearing, actor, "deadline_extended", item_id=item.id, old=old.isoformat(), new=new_deadline.isoformat())
    _notify_deadline(item, actor, new_deadline)
    return item


def request_extension(item, actor, reason):
    hearing = item.hearing
    _require_member(hearing, actor)
    _require_open(hearing)
    lock(item)
    if not item.is_open:
        raise ItemClosed()
    addressee = item.addressee_for(actor)
    if addressee is None:
        raise NotAddressed()
    reason = _check_text(reason, required=True)
    req = ExtensionRequest(item=item, party_id=addressee.party_id, requested_by_id=actor.id, reason=reason)
    db.session.add(req)
    db.session.flush()
    events.extension_requested(hearing.case, actor, hearing.id, item_id=item.id, reason=reason)
    _system(hearing, actor, "extension_requested", item_id=item.id, request_id=req.id, reason=reason)
    return req


def decide_extension(req, actor, grant, new_deadline=None, now=None):
    """The judge grants (a new deadline; earlier ones are kept) or refuses a request for more time."""
    item = req.item
    _require_run(item.hearing, actor)
    lock(req)
    if req.state != "pending":
        raise already_decided(req.decided_by_id, req.decided_at)
    req.decided_by_id, req.decided_at = actor.id, utcnow()
    if grant:
        if new_deadline is None:
            raise BadDeadline()
        extend_deadline(item, actor, new_deadline, reason=req.reason, now=now)
        req.state = "granted"
        return req
    req.state = "refused"
    hearing = item.hearing
    events.extension_refused(hearing.case, actor, hearing.id, item_id=item.id, reason=req.reason)
    _system(hearing, actor, "extension_refused", item_id=item.id, request_id=req.id)
    case, due = hearing.case, court_time.format_deadline(item.deadline)
    _sms_item(item, req.requested_by, lambda url: _(
        "[MicroCourt] Case %(number)s: more time for item %(item)s was refused; the deadline stays %(due)s. "
        "Open: %(url)s", number=case.number, item=_item_no(item), due=due, url=url), "hearing_deadline")
    return req


def close_item(item, actor):
    _require_run(item.hearing, actor)
    lock(item)
    if not item.is_open:
        return item
    item.state, item.closed_at = "closed", utcnow()
    events.item_closed(item.hearing.case, actor, item.hearing_id, item.id)
    _system(item.hearing, actor, "item_closed", item_id=item.id)
    if not item.hearing.is_open:  # the transcript's words changed: a new draft, before anyone signs
        enqueue_after_commit("jobs.documents.render_transcript_draft", item.hearing_id, queue="documents")
    return item


def close_hearing(hearing, actor):
    """Close the session; the transcript draft is rendered from the events in the background."""
    _require_run(hearing, actor)
    lock(hearing)
    if not hearing.is_open:
        return hearing
    _system(hearing, actor, "hearing_closed")
    hearing.state, hearing.closed_at = "closed", utcnow()
    events.hearing_closed(hearing.case, actor, hearing.id)
    enqueue_after_commit("jobs.documents.render_transcript_draft", hearing.id, queue="documents")
    return hearing


# --- asynchronous trial (Art. 20 ¶2) ----------------------------------------------------------

def _trial(hearing):
    row = db.session.scalar(select(AsyncTrialConditions).where(AsyncTrialConditions.hearing_id == hearing.id))
    if row is None:
        row = AsyncTrialConditions(hearing_id=hearing.id)
        db.session.add(row)
        db.session.flush()
    return row


def trial_conditions(hearing):
    """The recorded conditions, or an unsaved blank row to show (reading never writes)."""
    row = db.session.scalar(select(AsyncTrialConditions).where(AsyncTrialConditions.hearing_id == hearing.id))
    return row if row is not None else AsyncTrialConditions(hearing_id=hearing.id)


def record_procedure(hearing, actor, procedure):
    """The procedure is the case's own (lifecycle.set_procedure); the trial's record keeps a copy."""
    from app.services.lifecycle import set_procedure
    _require_run(hearing, actor)
    set_procedure(hearing.case, actor, procedure)
    row = _trial(hearing)
    row.procedure = procedure
    events.async_trial_procedure(hearing.case, actor, hearing.id, procedure)
    return row


def record_condition_one(hearing, actor, reason):
    """Art. 20 ¶2 (一): why being online at the same time is truly difficult for the parties."""
    _require_run(hearing, actor)
    reason = _check_text(reason, required=True)
    row = _trial(hearing)
    row.condition_one_reason = reason
    record_event(hearing.case, actor, "async_trial_condition_one", hearing_id=hearing.id, reason=reason)
    return row


def apply_async_trial(hearing, actor, text):
    """One party's written application for an asynchronous trial."""
    p = hearing.participant_for(actor)
    if p is None or p.party is None:
        raise NotAllowed()
    text = _check_text(text, required=True)
    row = _trial(hearing)
    row.applicant_party_id, row.application_text, row.applied_at = p.party_id, text, utcnow()
    events.async_trial_applied(hearing.case, actor, hearing.id, party_name=p.party.name, text=text)
    consent_service.record_consent(hearing.case, p.party, "async_trial", True, actor)
    return row


def consent_async_trial(hearing, actor):
    p = hearing.participant_for(actor)
    if p is None or p.party is None:
        raise NotAllowed()
    return consent_service.record_consent(hearing.case, p.party, "async_trial", True, actor)


def confirm_facts_undisputed(hearing, actor):
    """The judge's finding that the main facts are not in dispute after the evidence exchange: only once the
    case has had an online evidence exchange or inquiry (证据交换或者询问)."""
    _require_run(hearing, actor)
    if not db.session.scalar(select(Hearing.id).where(Hearing.case_id == hearing.case_id,
                                                      Hearing.purpose.in_(("evidence_exchange", "talk"))).limit(1)):
        raise NoEvidenceExchangeYet()
    row = _trial(hearing)
    row.facts_confirmed_by_id, row.facts_confirmed_at = actor.id, utcnow()
    events.async_trial_facts_confirmed(hearing.case, actor, hearing.id)
    return row


def party_choices(hearing):
    """The parties taking part in a hearing (through their own account or their lawyer's)."""
    return _trial_parties(hearing)


def _trial_parties(hearing):
    seen_ids, out = set(), []
    for p in hearing.participants:
        if p.party is not None and p.party_id not in seen_ids:
            seen_ids.add(p.party_id)
            out.append(p.party)
    return out


def async_trial_missing(hearing):
    """The conditions not met yet, as English msgids (empty when an asynchronous trial may start)."""
    row = trial_conditions(hearing)
    case = hearing.case
    missing = []
    if case.kind == "enforcement":
        missing.append(N_("an enforcement case is never tried asynchronously"))
    if case.procedure not in ("small_claims", "simplified"):
        missing.append(N_("the case must be in the small-claims or simplified procedure"))
    if not row.condition_one_reason:
        missing.append(N_("the finding that being online at the same time is truly difficult"))
    if not row.application_text:
        missing.append(N_("a party's written application"))
    # Every party of the case, not only those in the room (nor only those with an account).
    if not all(consent_service.has_consent(case, p, "async_trial") for p in case.parties):
        missing.append(N_("every party's consent"))
    if not row.facts_confirmed_at:
        missing.append(N_("the judge's finding that the main facts are not in dispute"))
    return missing


def enable_async_trial(hearing, actor):
    _require_run(hearing, actor)
    _require_open(hearing)
    if hearing.purpose != "trial":
        raise DomainError()
    if async_trial_missing(hearing):
        raise AsyncTrialNotAllowed()
    row = _trial(hearing)
    row.enabled_at, row.enabled_by_id = utcnow(), actor.id
    events.async_trial_enabled(hearing.case, actor, hearing.id, row.procedure)
    hearing.mode = "async"
    _system(hearing, actor, "async_trial_enabled")
    return row


def submit_video_statement(hearing, actor, stage, file_storage):
    """Each party's short video statement per trial stage, kept as an exhibit in the dossier."""
    _require_member(hearing, actor)
    _require_open(hearing)
    if stage not in TRIAL_STAGES or not _trial(hearing).enabled_at or hearing.participant_for(actor).party is None:
        raise NotAllowed()
    msg, _new = _insert_message(hearing, actor, None, kind="text", text="")
    ev = add_evidence(hearing, actor, file_storage, message=msg, kind="video_statement", stage=stage)
    events.message_posted(hearing.case, actor, hearing.id, message_id=msg.id, role=msg.author_role, text="",
                          evidence=[ev], trial_stage=stage)
    return ev


# --- reading ----------------------------------------------------------------------------------

def _with_details(q):
    return q.options(selectinload(Message.evidence).options(selectinload(Evidence.file), selectinload(Evidence.thumbnail)),
                     selectinload(Message.reply_to), selectinload(Message.about_evidence),
                     selectinload(Message.item).selectinload(HearingItem.addressees).selectinload(ItemAddressee.party))


def thread_page(hearing, *, before=None, size=None, item_id=None, author_id=None, evidence_only=False, query=None):
    """One page of the thread, newest last: (messages, has_earlier). Keyset pagination on id."""
    size = size or current_app.config["HEARING_PAGE_SIZE"]
    q = select(Message).where(Message.hearing_id == hearing.id)
    if before:
        q = q.where(Message.id < before)
    if item_id:
        q = q.where(or_(Message.item_id == item_id))
    if author_id:
        q = q.where(Message.author_id == author_id)
    if evidence_only:
        q = q.where(exists().where(Evidence.message_id == Message.id))
    if query:
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(or_(Message.text.ilike(like, escape="\\"), Message.author_name.ilike(like, escape="\\")))
    rows = db.session.scalars(_with_details(q.order_by(Message.id.desc()).limit(size + 1))).all()
    return list(reversed(rows[:size])), len(rows) > size


def messages_after(hearing, after, limit=200):
    q = select(Message).where(Message.hearing_id == hearing.id, Message.id > after).order_by(Message.id).limit(limit)
    return db.session.scalars(_with_details(q)).all()


def last_message_id(hearing):
    return db.session.scalar(select(func.max(Message.id)).where(Message.hearing_id == hearing.id)) or 0


def all_messages(hearing):
    return db.session.scalars(_with_details(select(Message).where(Message.hearing_id == hearing.id)
                                            .order_by(Message.id))).all()


def items_of(hearing):
    return db.session.scalars(select(HearingItem).where(HearingItem.hearing_id == hearing.id)
                              .options(selectinload(HearingItem.addressees).selectinload(ItemAddressee.party))
                              .order_by(HearingItem.id)).all()


def exhibits(case):
    """The case's evidence in the electronic dossier (电子卷宗): exhibit, file, who sent it, when."""
    return db.session.scalars(select(Evidence).where(Evidence.case_id == case.id)
                              .options(selectinload(Evidence.file), selectinload(Evidence.thumbnail),
                                       selectinload(Evidence.submitted_by))
                              .order_by(Evidence.exhibit_no)).all()


def hearings_of(case):
    return db.session.scalars(select(Hearing).where(Hearing.case_id == case.id).order_by(Hearing.id.desc())).all()


def pending_extensions(hearing):
    return db.session.scalars(select(ExtensionRequest).join(HearingItem).where(
        HearingItem.hearing_id == hearing.id, ExtensionRequest.state == "pending").order_by(ExtensionRequest.id)).all()


# --- reminders and thumbnails (jobs) -----------------------------------------------------------

def _reminded(item, user, threshold):
    return db.session.scalar(select(ReminderSent.id).where(
        ReminderSent.item_id == item.id, ReminderSent.user_id == user.id, ReminderSent.threshold == threshold,
        ReminderSent.deadline == item.deadline)) is not None


def _claim(item, user, threshold):
    """Insert the reminder row; None when another run (or a concurrent one) already did."""
    if _reminded(item, user, threshold):
        return None
    row_id = _insert_ignore(ReminderSent, dict(item_id=item.id, user_id=user.id, threshold=threshold,
                                               deadline=item.deadline, created_at=utcnow()),
                            ["item_id", "user_id", "threshold", "deadline"])
    return db.session.get(ReminderSent, row_id) if row_id else None


def send_due_reminders(now=None):
    """Computed from the database, so restarts and Redis outages lose none and repeats send none.

    For each open item of an open hearing: each unanswered addressee gets one SMS per threshold
    (hours before the deadline; when several are due at once only the nearest is sent), and once
    the deadline has passed with answers missing, the judge is told once.
    """
    now = now or utcnow()
    hours = sorted(current_app.config["HEARING_REMINDER_HOURS"])
    horizon = now + timedelta(hours=max(hours or [0]))
    overdue_known = exists().where(ReminderSent.item_id == HearingItem.id, ReminderSent.threshold == "overdue",
                                   ReminderSent.deadline == HearingItem.deadline)
    items = db.session.scalars(select(HearingItem).join(Hearing).where(
        Hearing.state == "open", HearingItem.state == "open", HearingItem.deadline <= horizon,
        or_(HearingItem.deadline > now, ~overdue_known))
        .options(selectinload(HearingItem.addressees).selectinload(ItemAddressee.party))
        .order_by(HearingItem.id)).all()
    sent = 0
    for item in items:
        waiting = [a for a in item.addressees if a.answered_at is None]
        if not waiting:
            continue
        case, due = item.hearing.case, court_time.format_deadline(item.deadline)
        if item.deadline > now:
            due_thresholds = [h for h in hours if item.deadline - timedelta(hours=h) <= now]
            for a in waiting:
                for user in _people(a.party):
                    claimed = [r for r in (_claim(item, user, f"{h}h") for h in due_thresholds) if r is not None]
                    if not claimed:
                        continue
                    sms = _sms_item(item, user, lambda url: _(
                        "[MicroCourt] Reminder, case %(number)s: item %(item)s is due %(due)s. Open: %(url)s",
                        number=case.number, item=_item_no(item), due=due, url=url), "hearing_reminder")
                    for r in claimed:
                        r.sms_id = sms.id if sms else None
                    sent += 1
            continue
        judge = case.judge or item.author
        if _claim(item, judge, "overdue") is None:
            continue
        names = [a.party.name for a in waiting]
        _system(item.hearing, None, "item_overdue", item_id=item.id, parties=names)
        events.item_overdue(case, item.hearing_id, item.id, names)
        if judge.phone:
            with force_locale("zh"):
                body = _("[MicroCourt] Case %(number)s: item %(item)s passed its deadline without an answer from "
                         "%(names)s.", number=case.number, item=_item_no(item), names="、".join(names))
            send_sms(judge.phone, body, kind="hearing_overdue", user=judge, case=case)
        sent += 1
    return sent


def make_thumbnail(evidence_id, size=480):
    """A small JPEG of an image exhibit: EXIF orientation applied, all EXIF (GPS too) left out.
    Only the derived copy changes; the original bytes and their hash stay as received."""
    from PIL import Image, ImageOps
    ev = lock_id(Evidence, evidence_id)
    if ev is None or ev.thumbnail_file_id is not None:
        return ev
    try:
        with Image.open(io.BytesIO(storage.read_bytes(ev.file))) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            im.thumbnail((size, size))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=80)  # no exif= argument: nothing of the original's EXIF is written
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("no thumbnail for evidence %s: %s", evidence_id, exc)
        return ev
    with force_locale("zh"):  # the name the dossier lists it under, in the court's language like its record texts
        name = _("Thumbnail of %(label)s", label=ev.label) + ".jpg"
    thumb = storage.save_bytes(out.getvalue(), name=name, content_type="image/jpeg",
                               case=db.session.get(Case, ev.case_id))
    ev.thumbnail_file_id = thumb.id
    return ev

