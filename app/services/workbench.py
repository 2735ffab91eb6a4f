"""The court PC workbench (工作台): what needs a judge or clerk today, read from the court's tables.

Each kind of waiting work is a `Section` in one registry (`SECTIONS`, `register`): a query that
returns, grouped per case (and per hearing where that is where the work is done), how many things
wait, since when, and the earliest deadline. A page is one query per section (GROUP BY, indexed
columns), whatever the size of the court; only the cases on the page shown are loaded. Other areas
(fees, applications, enforcement clues) plug in by calling `register(Section(...))`.

Only the user's court; drafts a litigant has not submitted never appear."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Case
from app.models.court import HEARING_STAFF
from app.services import court_time

SORTS = ("due", "waiting", "case")
PAGE_SIZE = 25
SOON_DAYS = 3  # a correction deadline "running out": within this many days, or already passed


@dataclass(frozen=True)
class Scope:
    """Who is looking, at which court, with which filters."""
    user: object
    court_id: int
    now: datetime
    kind: str | None = None
    mine: bool = False  # only cases where this judge is the judge in charge (承办法官)

    def cases(self, q):
        """Narrow a section's query to this court's submitted cases (and the filters)."""
        q = q.where(Case.court_id == self.court_id, Case.state != "draft")
        if self.kind:
            q = q.where(Case.kind == self.kind)
        if self.mine:
            q = q.where(Case.judge_id == self.user.id)
        return q


@dataclass(frozen=True)
class Section:
    """One kind of waiting work. `query(scope)` returns a SELECT of the columns
    (case_id, target_id, n, since, due); `link(row, case)` the URL where the work is done."""
    key: str
    label: object
    query: Callable
    link: Callable
    roles: tuple = HEARING_STAFF
    hint: object = ""


@dataclass
class Row:
    section: Section
    case_id: int | None
    target_id: int | None
    n: int
    since: datetime | None
    due: datetime | None
    case: Case | None = field(default=None)

    @property
    def overdue(self):
        return self.due is not None and self.due < court_time.now()

    def days_waiting(self, now=None):
        return ((now or court_time.now()) - self.since).days if self.since else None

    def days_left(self, now=None):
        """Whole court days until the deadline (0 = today, negative = overdue)."""
        if self.due is None:
            return None
        return (court_time.today(self.due - timedelta(microseconds=1)) - court_time.today(now)).days


SECTIONS: list[Section] = []


def register(section):
    """Add (or replace, by key) a section of the workbench."""
    SECTIONS[:] = [s for s in SECTIONS if s.key != section.key] + [section]
    return section


def sections_for(user):
    return [s for s in SECTIONS if user.role in s.roles]


def _as_moment(value):
    if isinstance(value, datetime) or value is None:
        return value
    if isinstance(value, date):  # a court day: the deadline is the whole of that day
        return court_time.end_of_day(value)
    return value


def collect(user, *, section=None, kind=None, mine=False, sort="due", now=None):
    """Every row of waiting work for `user` (a judge or clerk), sorted; and counts per section
    as {key: (rows, things)}. Rows carry no case yet: `load_cases` loads those of one page."""
    scope = Scope(user=user, court_id=user.court_id, now=now or court_time.now(), kind=kind or None, mine=mine)
    rows, counts = [], {}
    for s in sections_for(user):
        found = [Row(s, r.case_id, r.target_id, int(r.n), _as_moment(r.since), _as_moment(r.due))
                 for r in db.session.execute(s.query(scope))]
        counts[s.key] = (len(found), sum(r.n for r in found))
        if section in (None, s.key):
            rows.extend(found)
    far = datetime.max.replace(tzinfo=scope.now.tzinfo)
    if sort == "waiting":
        rows.sort(key=lambda r: (r.since or far, r.case_id or 0))
    elif sort == "case":
        rows.sort(key=lambda r: (r.case_id is None, r.case_id or 0, r.section.key))
    else:
        rows.sort(key=lambda r: (r.due or far, r.since or far))
    return rows, counts


def mark_seen(hearing, actor, now=None):
    """The court user has read the answers in this hearing: they leave "answered since I last
    looked" until a new answer comes. Only for those who run the hearing."""
    from app.models.workbench import HearingSeen
    from app.services.errors import NotAllowed
    if not hearing.can_run(actor):
        raise NotAllowed()
    now = now or court_time.now()
    row = db.session.scalar(sa.select(HearingSeen).where(HearingSeen.user_id == actor.id,
                                                         HearingSeen.hearing_id == hearing.id).with_for_update())
    if row is None:
        db.session.add(HearingSeen(user_id=actor.id, hearing_id=hearing.id, seen_at=now))
    elif row.seen_at < now:
        row.seen_at = now
    db.session.flush()


def load_cases(rows):
    """The cases of these rows, in one query."""
    ids = {r.case_id for r in rows if r.case_id}
    cases = {c.id: c for c in db.session.scalars(sa.select(Case).where(Case.id.in_(ids)))} if ids else {}
    for r in rows:
        r.case = cases.get(r.case_id)
    return rows


# --------------------------------------------------------------------------------- the sections

def _filings(scope):
    """Filings waiting for review (立案审查): submitted or resubmitted, with the registration deadline."""
    q = sa.select(Case.id.label("case_id"), sa.null().label("target_id"), sa.literal(1).label("n"),
                  Case.submitted_at.label("since"), Case.registration_due_on.label("due")) \
        .where(Case.state.in_(("submitted", "resubmitted")))
    return scope.cases(q)


def _corrections(scope):
    """Correction notices (补正通知) whose deadline runs out within SOON_DAYS or has passed."""
    from app.models.filing import CorrectionRequest as CR
    q = sa.select(CR.case_id.label("case_id"), sa.null().label("target_id"), sa.func.count().label("n"),
                  sa.func.min(CR.created_at).label("since"), sa.func.min(CR.deadline).label("due")) \
        .join(Case, Case.id == CR.case_id) \
        .where(CR.state == "open", CR.deadline <= scope.now + timedelta(days=SOON_DAYS)) \
        .group_by(CR.case_id)
    return scope.cases(q)


def _items_overdue(scope):
    """Litigation items (诉讼事项) past their deadline with a party that has not answered."""
    from app.models.hearing import Hearing, HearingItem, ItemAddressee
    unanswered = sa.select(ItemAddressee.id).where(ItemAddressee.item_id == HearingItem.id,
                                                   ItemAddressee.answered_at.is_(None)).exists()
    q = sa.select(Hearing.case_id.label("case_id"), Hearing.id.label("target_id"), sa.func.count().label("n"),
                  sa.func.min(HearingItem.created_at).label("since"), sa.func.min(HearingItem.deadline).label("due")) \
        .join(Hearing, Hearing.id == HearingItem.hearing_id).join(Case, Case.id == Hearing.case_id) \
        .where(HearingItem.state == "open", HearingItem.deadline < scope.now, unanswered) \
        .group_by(Hearing.case_id, Hearing.id)
    return scope.cases(q)


def _items_answered(scope):
    """Answers to open items that came in since I last looked at that hearing: my last act in the
    room, or when I marked its answers read here (`mark_seen`); never: every answer."""
    from app.models.hearing import Hearing, HearingItem, HearingParticipant as HP, ItemAddressee
    from app.models.workbench import HearingSeen as HS
    q = sa.select(Hearing.case_id.label("case_id"), Hearing.id.label("target_id"), sa.func.count().label("n"),
                  sa.func.min(ItemAddressee.answered_at).label("since"), sa.func.min(HearingItem.deadline).label("due")) \
        .select_from(ItemAddressee).join(HearingItem, HearingItem.id == ItemAddressee.item_id) \
        .join(Hearing, Hearing.id == HearingItem.hearing_id).join(Case, Case.id == Hearing.case_id) \
        .outerjoin(HP, sa.and_(HP.hearing_id == Hearing.id, HP.user_id == scope.user.id)) \
        .outerjoin(HS, sa.and_(HS.hearing_id == Hearing.id, HS.user_id == scope.user.id)) \
        .where(HearingItem.state == "open", ItemAddressee.answered_at.is_not(None),
               sa.or_(HP.last_seen_at.is_(None), ItemAddressee.answered_at > HP.last_seen_at),
               sa.or_(HS.seen_at.is_(None), ItemAddressee.answered_at > HS.seen_at)) \
        .group_by(Hearing.case_id, Hearing.id)
    return scope.cases(q)


def _extensions(scope):
    """Requests for more time (申请延期) waiting for the court's decision."""
    from app.models.hearing import ExtensionRequest, Hearing, HearingItem
    q = sa.select(Hearing.case_id.label("case_id"), Hearing.id.label("target_id"), sa.func.count().label("n"),
                  sa.func.min(ExtensionRequest.created_at).label("since"),
                  sa.func.min(HearingItem.deadline).label("due")) \
        .select_from(ExtensionRequest).join(HearingItem, HearingItem.id == ExtensionRequest.item_id) \
        .join(Hearing, Hearing.id == HearingItem.hearing_id).join(Case, Case.id == Hearing.case_id) \
        .where(ExtensionRequest.state == "pending") \
        .group_by(Hearing.case_id, Hearing.id)
    return scope.cases(q)


def _identity(scope):
    """Face checks and reference photos waiting for a clerk (人工核验), about people in this court's
    cases. Grouped per case; entries not tied to a case form one row of their own."""
    from app.models import Court
    from app.models.identity import ClerkReview as CRv
    people = db.session.get(Court, scope.court_id).people().subquery()
    q = sa.select(CRv.case_id.label("case_id"), sa.null().label("target_id"), sa.func.count().label("n"),
                  sa.func.min(CRv.created_at).label("since"), sa.null().label("due")) \
        .outerjoin(Case, Case.id == CRv.case_id) \
        .where(CRv.status == "open",
               sa.or_(sa.and_(Case.court_id == scope.court_id, Case.state != "draft"),
                      sa.and_(CRv.case_id.is_(None), CRv.user_id.in_(sa.select(people.c[0]))))) \
        .group_by(CRv.case_id)
    if scope.kind or scope.mine:  # the filters are about cases: entries without one drop out
        q = scope.cases(q)
    return q


def _transcripts(scope):
    """Transcripts (笔录) waiting for signatures, or objected to and waiting for the judge."""
    from app.models.transcript import Transcript
    q = sa.select(Transcript.case_id.label("case_id"), sa.null().label("target_id"), sa.func.count().label("n"),
                  sa.func.min(Transcript.created_at).label("since"), sa.null().label("due")) \
        .join(Case, Case.id == Transcript.case_id) \
        .where(Transcript.state.in_(("draft", "objected"))).group_by(Transcript.case_id)
    return scope.cases(q)


def _agreements(scope):
    """Mediation agreements (调解协议) drafted and not yet signed by every party."""
    from app.models.mediation import MediationAgreement as MA
    q = sa.select(MA.case_id.label("case_id"), sa.func.min(MA.id).label("target_id"), sa.func.count().label("n"),
                  sa.func.min(MA.created_at).label("since"), sa.null().label("due")) \
        .join(Case, Case.id == MA.case_id).where(MA.state == "draft").group_by(MA.case_id)
    return scope.cases(q)


def _services(scope):
    """Documents served (电子送达) that the recipient has not acknowledged."""
    from app.models.service import ServiceChannelAttempt as A, ServiceOfDocument as S
    acknowledged = sa.select(A.id).where(A.service_id == S.id, A.acknowledged_at.is_not(None)).exists()
    q = sa.select(S.case_id.label("case_id"), sa.null().label("target_id"), sa.func.count().label("n"),
                  sa.func.min(S.created_at).label("since"), sa.null().label("due")) \
        .join(Case, Case.id == S.case_id).where(~acknowledged).group_by(S.case_id)
    return scope.cases(q)


def _url(endpoint, **values):
    from flask import url_for
    return url_for(endpoint, **values)


def _case_page(row, case):
    return _url("workbench.case", case_id=case.id)


def _thread(row, case):
    return _url("hearings.thread", case_id=row.case_id, hid=row.target_id)


register(Section("filings", _l("Filings waiting for review"), _filings,
                 lambda row, case: _url("review.show", ref=case.filing_ref),
                 hint=_l("Decide before the registration deadline.")))
register(Section("corrections", _l("Correction deadlines running out"), _corrections,
                 lambda row, case: _url("review.show", ref=case.filing_ref)))
register(Section("items_overdue", _l("Hearing items overdue"), _items_overdue, _thread))
register(Section("items_answered", _l("Hearing items answered since I last looked"), _items_answered, _thread))
register(Section("extensions", _l("Requests for more time to decide"), _extensions, _thread))
register(Section("identity", _l("Face checks and reference photos waiting for a clerk"), _identity,
                 lambda row, case: _url("identity.reviews")))
register(Section("transcripts", _l("Transcripts waiting for signatures"), _transcripts,
                 lambda row, case: _url("transcripts.case_documents", case_id=case.id)))
register(Section("agreements", _l("Mediation agreements waiting for signatures"), _agreements,
                 lambda row, case: _url("mediation.show", agreement_id=row.target_id)))
register(Section("services", _l("Documents served and not acknowledged"), _services, _case_page))
