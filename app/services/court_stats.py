"""Court statistics (审判管理统计) for a division head: cases filed, accepted and closed per week; median
days from filing to acceptance and from acceptance to closing; the share of cases heard online; work
overdue per judge. A few queries over the court's rows in the window; weeks are court-time weeks
starting on Monday."""
import statistics
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Case, CaseEvent, User
from app.models.filing import FilingVersion
from app.models.hearing import Hearing, HearingItem, ItemAddressee
from app.services import court_time
from app.services.case_overview import STOPPED, TIME_LIMIT_MONTHS

CLOSED_STATES = ("mediated", "closed")
# Events that end a case; a closed case without one (made by the demo) counts from its last change.
CLOSING_EVENTS = ("case_mediated", "withdrawal_granted", "case_closed", "judgment_issued")
MAX_WEEKS = 104


@dataclass
class Week:
    monday: object
    filed: int = 0
    accepted: int = 0
    closed: int = 0


@dataclass
class JudgeLoad:
    judge_id: int | None
    name: str
    open_cases: int = 0
    items_overdue: int = 0
    past_time_limit: int = 0


@dataclass
class Stats:
    weeks: list
    median_to_accept: float | None
    median_to_close: float | None
    online_share: float | None  # of the cases accepted in the window, those with a hearing on MicroCourt
    hearings_live: int
    hearings_async: int
    judges: list = field(default_factory=list)
    late_filings: int = 0  # filings past their registration deadline (no judge yet)


def monday(day):
    return day - timedelta(days=day.weekday())


def compute(court_id, weeks=12, now=None):
    now = now or court_time.now()
    today = court_time.today(now)
    first = monday(today) - timedelta(weeks=weeks - 1)
    start = court_time.end_of_day(first - timedelta(days=1))  # 00:00 of that Monday, court time
    buckets = {first + timedelta(weeks=i): Week(first + timedelta(weeks=i)) for i in range(weeks)}

    first_filed = sa.select(FilingVersion.case_id, sa.func.min(FilingVersion.created_at).label("at")) \
        .group_by(FilingVersion.case_id).subquery()
    closing = sa.select(CaseEvent.case_id, sa.func.min(CaseEvent.created_at).label("at")) \
        .where(CaseEvent.kind.in_(CLOSING_EVENTS)).group_by(CaseEvent.case_id).subquery()
    rows = db.session.execute(
        sa.select(Case.id, Case.state, sa.func.coalesce(first_filed.c.at, Case.submitted_at), Case.accepted_at,
                  closing.c.at, Case.updated_at)
        .outerjoin(first_filed, first_filed.c.case_id == Case.id).outerjoin(closing, closing.c.case_id == Case.id)
        .where(Case.court_id == court_id, Case.state != "draft",
               sa.or_(Case.submitted_at >= start, Case.accepted_at >= start, Case.updated_at >= start,
                      closing.c.at >= start))).all()
    to_accept, to_close, accepted_ids = [], [], []
    for case_id, state, filed_at, accepted_at, closed_at, updated_at in rows:
        if state in CLOSED_STATES and closed_at is None:
            closed_at = updated_at
        if filed_at and filed_at >= start:
            buckets[monday(court_time.today(filed_at))].filed += 1
        if accepted_at and accepted_at >= start:
            buckets[monday(court_time.today(accepted_at))].accepted += 1
            accepted_ids.append(case_id)
            if filed_at:
                to_accept.append((accepted_at - filed_at).total_seconds() / 86400)
        if closed_at and closed_at >= start and accepted_at and state in CLOSED_STATES + ("withdrawn",):
            buckets[monday(court_time.today(closed_at))].closed += 1
            to_close.append((closed_at - accepted_at).total_seconds() / 86400)

    online = db.session.scalar(sa.select(sa.func.count(sa.distinct(Hearing.case_id)))
                               .where(Hearing.case_id.in_(accepted_ids))) if accepted_ids else 0
    modes = dict(db.session.execute(sa.select(Hearing.mode, sa.func.count()).join(Case, Case.id == Hearing.case_id)
                                    .where(Case.court_id == court_id, Hearing.created_at >= start)
                                    .group_by(Hearing.mode)).all())
    stats = Stats(weeks=[buckets[k] for k in sorted(buckets)],
                  median_to_accept=round(statistics.median(to_accept), 1) if to_accept else None,
                  median_to_close=round(statistics.median(to_close), 1) if to_close else None,
                  online_share=(online / len(accepted_ids)) if accepted_ids else None,
                  hearings_live=modes.get("sync", 0), hearings_async=modes.get("async", 0))
    stats.judges = judge_loads(court_id, now)
    stats.late_filings = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        Case.court_id == court_id, Case.state.in_(("submitted", "resubmitted")),
        Case.registration_due_on < today))
    return stats


def judge_loads(court_id, now):
    """Per judge of the court: open cases, litigation items overdue, cases past their 审限 (by kind:
    enforcement 6 months; otherwise the procedure recorded, ordinary when none)."""
    from app.models.hearing import AsyncTrialConditions as ATC
    today = court_time.today(now)
    judges = {u.id: JudgeLoad(u.id, u.name) for u in db.session.scalars(
        sa.select(User).where(User.court_id == court_id, User.role == "judge").order_by(User.name))}
    procedure = sa.select(Hearing.case_id, sa.func.max(ATC.procedure).label("procedure")) \
        .join(ATC, ATC.hearing_id == Hearing.id).group_by(Hearing.case_id).subquery()
    for judge_id, kind, accepted_at, proc in db.session.execute(
            sa.select(Case.judge_id, Case.kind, Case.accepted_at, procedure.c.procedure)
            .outerjoin(procedure, procedure.c.case_id == Case.id)
            .where(Case.court_id == court_id, Case.judge_id.is_not(None), Case.accepted_at.is_not(None),
                   Case.state.not_in(STOPPED))):
        load = judges.setdefault(judge_id, JudgeLoad(judge_id, "?"))
        load.open_cases += 1
        months = TIME_LIMIT_MONTHS.get(proc or ("enforcement" if kind == "enforcement" else "ordinary"), 6)
        if court_time.add_months(court_time.today(accepted_at), months) < today:
            load.past_time_limit += 1
    unanswered = sa.select(ItemAddressee.id).where(ItemAddressee.item_id == HearingItem.id,
                                                   ItemAddressee.answered_at.is_(None)).exists()
    for judge_id, n in db.session.execute(
            sa.select(Case.judge_id, sa.func.count()).select_from(HearingItem)
            .join(Hearing, Hearing.id == HearingItem.hearing_id).join(Case, Case.id == Hearing.case_id)
            .where(Case.court_id == court_id, Case.judge_id.is_not(None), HearingItem.state == "open",
                   HearingItem.deadline < now, unanswered).group_by(Case.judge_id)):
        judges.setdefault(judge_id, JudgeLoad(judge_id, "?")).items_overdue = n
    return list(judges.values())


def csv_rows(stats):
    """The same figures as rows for a spreadsheet (English headers: a spreadsheet is read by tools too)."""
    yield ["week_starting", "filed", "accepted", "closed"]
    for w in stats.weeks:
        yield [w.monday.isoformat(), w.filed, w.accepted, w.closed]
    yield []
    yield ["median_days_filing_to_acceptance", stats.median_to_accept if stats.median_to_accept is not None else ""]
    yield ["median_days_acceptance_to_closing", stats.median_to_close if stats.median_to_close is not None else ""]
    yield ["share_of_accepted_cases_heard_online",
           f"{stats.online_share:.3f}" if stats.online_share is not None else ""]
    yield ["hearings_live", stats.hearings_live]
    yield ["hearings_async", stats.hearings_async]
    yield ["filings_past_registration_deadline", stats.late_filings]
    yield []
    yield ["judge", "open_cases", "items_overdue", "past_time_limit"]
    for j in stats.judges:
        yield [j.name, j.open_cases, j.items_overdue, j.past_time_limit]
