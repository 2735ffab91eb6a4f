"""The case channel (联系法官): a standing thread per case, outside formal hearings, for every party and the
judge's team. Its messages are case events without a hearing, so no hearing's transcript (笔录) reads them;
staff can mark an answer as the court's (法院答复), which tells the parties by SMS."""
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Case, utcnow
from app.models.case_extras import CaseMessage
from app.services import lifecycle
from app.services.auth import create_action_link
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.notifications import send_sms

MAX_CHARS = 4000


class EmptyMessage(DomainError):
    message = N_("Write your message first.")


class ChannelClosed(InvalidState):
    message = N_("This case has ended; the channel is kept for reading only.")


def can_use(case, user):
    """Every party (or their lawyer) and the court's judges and clerks of the case's court."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return user.court_id == case.court_id and user.role in ("judge", "clerk")
    return case.party_for(user) is not None


def messages(case):
    return db.session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)
                              .order_by(CaseMessage.id)).all()


def post(case, actor, body, key):
    """A message in the channel. The same form (key) sent twice is one message."""
    if not can_use(case, actor):
        raise NotAllowed()
    body = (body or "").strip()
    if not body:
        raise EmptyMessage()
    key = (key or "").strip()[:32]
    if not key:
        raise InvalidState()
    lifecycle.lock(case)
    existing = db.session.scalar(select(CaseMessage).where(CaseMessage.author_id == actor.id, CaseMessage.key == key))
    if existing is not None:
        return existing
    if case.state in lifecycle.ENDED or case.state in ("draft",):
        raise ChannelClosed()
    party = None if actor.is_staff else case.party_for(actor)
    msg = CaseMessage(case_id=case.id, author_id=actor.id, party_id=party.id if party else None,
                      body=body[:MAX_CHARS], key=key)
    db.session.add(msg)
    db.session.flush()
    record_event(case, actor, "channel_message", message_id=msg.id, party_id=msg.party_id, text=msg.body)
    return msg


def mark_court_answer(msg, actor):
    """Staff mark a staff member's message as the court's answer; the parties are told by SMS."""
    case = db.session.get(Case, msg.case_id)
    if not (actor.is_staff and can_use(case, actor)):
        raise NotAllowed()
    if not msg.author.is_staff:
        raise InvalidState(N_("Only an answer written by court staff can be marked as the court's."))
    lifecycle.lock(case)
    if msg.court_answer_at is not None:
        return msg
    msg.court_answer_at, msg.court_answer_by_id = utcnow(), actor.id
    db.session.flush()
    record_event(case, actor, "channel_court_answer", message_id=msg.id)
    base = current_app.config["BASE_URL"].rstrip("/")
    for p in case.parties:
        user = p.user or p.lawyer
        if user is None or not user.phone:
            continue
        link = create_action_link(user, target=f"/cases/{case.id}/channel")
        with force_locale("zh"):
            text = _("[MicroCourt] The court has answered in case %(case)s: %(url)s", case=case.number,
                     url=base + link)
        send_sms(user.phone, text, kind="case_channel", user=user, case=case)
    return msg
