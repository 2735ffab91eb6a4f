"""A hearing with many messages, fast, for `make bench` (thread page and idle poll at 1,000 messages).

Idempotent: the bench hearing is found by its title and topped up to n messages.
"""
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Case, User, utcnow
from app.models.hearing import Hearing, Message
from app.services import consent as consent_service
from app.services import hearings as svc

TITLE = "性能测试"
DEMO_CASE_REF = "LA2026-DEMO06"


def seed_hearing_messages(case, n):
    """The bench hearing on `case` with at least n messages (bulk insert; no events). Returns it.
    Flushes only: the caller commits."""
    hearing = db.session.scalar(select(Hearing).where(Hearing.case_id == case.id, Hearing.title == TITLE))
    if hearing is None:
        judge = case.judge or db.session.scalar(select(User).where(User.court_id == case.court_id,
                                                                   User.role == "judge").limit(1))
        hearing = svc.open_hearing(case, judge, purpose="evidence_exchange", mode="async", title=TITLE)
    for party in case.parties:
        if party.user is not None and not consent_service.has_consent(case, party, "evidence_exchange"):
            consent_service.record_consent(case, party, "evidence_exchange", True, party.user)
    have = db.session.scalar(select(func.count()).select_from(Message).where(Message.hearing_id == hearing.id))
    authors = [p for p in hearing.participants]
    now = utcnow()
    rows = [dict(hearing_id=hearing.id, kind="text", author_id=a.user_id, author_name=a.name, author_role=a.role,
                 text=f"第{i + 1}条消息：关于送货数量与付款时间的说明。", created_at=now, late=False)
            for i in range(have, n) for a in [authors[i % len(authors)]]]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(Message), rows[start:start + 1000])
    hearing.changed_at = now
    db.session.flush()
    return hearing


def seed_big_hearing(n):
    """Entry point for `demo seed --scale`: the bench hearing on the demo hearing-stage case."""
    case = db.session.scalar(select(Case).where(Case.filing_ref == DEMO_CASE_REF))
    if case is None:
        return "no demo case"
    hearing = seed_hearing_messages(case, n)
    return f"/cases/{case.id}/hearings/{hearing.id} ({n} messages)"
