"""The court's view of one case (案件概览) for the workbench: parties with contact, identity and consent
state, the event timeline in words, hearings, open deadlines, the statutory time limit (审限) and the
actions open to the person looking. Reads only; a handful of queries per case."""
import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.labels import event_label
from app.models import CaseEvent
from app.models.consent import Consent
from app.models.filing import CorrectionRequest
from app.models.hearing import AsyncTrialConditions, Hearing, HearingItem, ItemAddressee
from app.models.identity import FaceReference
from app.services import court_time

# 审限: the statutory time limit from acceptance, by procedure (Civil Procedure Law arts. 152, 164, 168):
# ordinary 6 months, simplified 3 months, small claims 2 months. Enforcement (执行) cases: 6 months.
TIME_LIMIT_MONTHS = {"ordinary": 6, "simplified": 3, "small_claims": 2, "enforcement": 6}
PROCEDURE_LABELS = {"ordinary": _l("Ordinary procedure"), "simplified": _l("Simplified procedure"),
                    "small_claims": _l("Small claims"), "enforcement": _l("Enforcement")}
STOPPED = ("mediated", "closed", "withdrawn", "rejected")
HISTORY_LIMIT = 200

# Notes a service wrote itself (in English, for the record), not typed by a person: the label says it.
MACHINE_NOTES = ("code",)
# A path in a text (an item's "confirm here: /enforcement/..."): a link on the page it belongs to, noise here.
_IN_APP_PATH = re.compile(r"[:：]?\s*/[a-z][\w/-]*")
# What an event's data adds to its words, in this order (names, numbers, deadlines: no translation needed).
DETAIL_KEYS = ("case_number", "party_name", "name", "title", "exhibit", "file_name", "text", "reasons", "note")


def event_words(event):
    """An event as people read it: what happened, and the one or two details that say to whom."""
    words = str(event_label(event.kind))  # app/labels.py: the one table of event words, never a raw code
    data = event.data or {}
    details = [_IN_APP_PATH.sub("", str(data[k]))[:80] for k in DETAIL_KEYS
               if data.get(k) and not (k == "note" and data.get("how") in MACHINE_NOTES)][:2]
    if data.get("deadline"):
        details.append(str(data["deadline"])[:16].replace("T", " "))
    return words, details


def procedure_of(case):
    """The procedure the case runs in: the one recorded in a hearing, else by kind (enforcement) or
    ordinary."""
    recorded = db.session.scalar(sa.select(AsyncTrialConditions.procedure)
                                 .join(Hearing, Hearing.id == AsyncTrialConditions.hearing_id)
                                 .where(Hearing.case_id == case.id, AsyncTrialConditions.procedure.is_not(None))
                                 .order_by(AsyncTrialConditions.id.desc()).limit(1))
    if recorded in TIME_LIMIT_MONTHS:
        return recorded
    return "enforcement" if case.kind == "enforcement" else "ordinary"


@dataclass
class TimeLimit:
    procedure: str
    months: int
    start: date
    last_day: date
    days_left: int
    stopped: bool

    @property
    def label(self):
        return PROCEDURE_LABELS[self.procedure]


def time_limit(case, today=None):
    """审限 from the day of acceptance; None before acceptance. Suspensions (中止) are not recorded
    by MicroCourt yet, so the count is the plain statutory one."""
    if case.accepted_at is None:
        return None
    procedure = procedure_of(case)
    months = TIME_LIMIT_MONTHS[procedure]
    start = court_time.today(case.accepted_at)
    last = court_time.add_months(start, months)
    return TimeLimit(procedure, months, start, last, (last - (today or court_time.today())).days,
                     case.state in STOPPED)


@dataclass
class PartyState:
    party: object
    identity: str  # "active", "pending_approval", "none", "no_account"
    consents: list  # [(scope, how, address)] given and standing


def parties(case):
    """Each party with how to reach them, whether their face reference is in place, and the
    consents that stand (the latest answer per scope)."""
    user_ids = {p.user_id for p in case.parties if p.user_id}
    refs = {}
    if user_ids:
        for uid, status in db.session.execute(sa.select(FaceReference.user_id, FaceReference.status)
                                              .where(FaceReference.user_id.in_(user_ids),
                                                     FaceReference.status.in_(("active", "pending_approval")))):
            refs[uid] = "active" if "active" in (refs.get(uid), status) else status
    latest = {}
    for c in db.session.scalars(sa.select(Consent).where(Consent.case_id == case.id).order_by(Consent.id)):
        latest[(c.party_id, c.scope)] = c
    out = []
    for p in case.parties:
        standing = [(c.scope, c.how, c.address) for (pid, _), c in latest.items()
                    if pid == p.id and c.given and c.withdrawn_at is None]
        identity = "no_account" if not p.user_id else refs.get(p.user_id, "none")
        out.append(PartyState(p, identity, sorted(standing)))
    return out


def timeline(case, limit=HISTORY_LIMIT):
    """The newest events first, with who did them; and how many there are in all."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.seq.desc()).limit(limit)
                                .options(selectinload(CaseEvent.actor))).all()
    return events, total


def hearings(case):
    """The case's hearings with the number of open items and of those overdue, in one query."""
    now = court_time.now()
    counts = dict(((hid, (n, late)) for hid, n, late in db.session.execute(
        sa.select(HearingItem.hearing_id, sa.func.count(),
                  sa.func.count().filter(HearingItem.deadline < now))
        .join(Hearing, Hearing.id == HearingItem.hearing_id)
        .where(Hearing.case_id == case.id, HearingItem.state == "open").group_by(HearingItem.hearing_id))))
    rows = db.session.scalars(sa.select(Hearing).where(Hearing.case_id == case.id).order_by(Hearing.id)).all()
    return [(h, *counts.get(h.id, (0, 0))) for h in rows]


def deadlines(case):
    """Deadlines running in the case, earliest first: (moment, what, detail, url_args)."""
    out = []
    if case.registration_due_on:
        out.append((court_time.end_of_day(case.registration_due_on), "registration", ""))
    for req in db.session.scalars(sa.select(CorrectionRequest).where(CorrectionRequest.case_id == case.id,
                                                                     CorrectionRequest.state == "open")):
        out.append((req.deadline, "correction", req.note[:80]))
    unanswered = sa.select(ItemAddressee.id).where(ItemAddressee.item_id == HearingItem.id,
                                                   ItemAddressee.answered_at.is_(None)).exists()
    for it in db.session.scalars(sa.select(HearingItem).join(Hearing, Hearing.id == HearingItem.hearing_id)
                                 .where(Hearing.case_id == case.id, HearingItem.state == "open", unanswered)):
        out.append((it.deadline, "item", it.text[:80], it))
    return sorted(((d + (None,))[:4] if len(d) == 3 else d for d in out), key=lambda d: d[0])
