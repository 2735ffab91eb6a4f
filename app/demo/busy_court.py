"""`demo seed --scale N`: a busy court on top of the demo, for `make bench`.

N extra litigants, each filing one case in the demo court (states spread over the filing
workflow), and a 1,000-message hearing (`app.demo.scale`).
Idempotent: rows are found by their fixed filing reference and phone number.
"""
import logging
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseParty, Court, User, utcnow
from app.services import events

log = logging.getLogger("microcourt.demo")
STATES = ("submitted", "needs_correction", "accepted", "rejected", "hearing")
HEARING_MESSAGES = 1000


def seed_scale(n, court_code="沪0101", hearing_messages=HEARING_MESSAGES):
    """Create up to n extra cases; returns (cases created, note about the big hearing)."""
    court = db.session.scalar(select(Court).where(Court.code == court_code))
    judge = db.session.scalar(select(User).where(User.username == "judge"))
    if court is None:
        raise RuntimeError("run the normal demo seed first")
    existing = set(db.session.scalars(select(Case.filing_ref).where(Case.filing_ref.like("LA2026-S%"))))
    created = 0
    for i in range(1, n + 1):
        ref = f"LA2026-S{i:05d}"
        if ref in existing:
            continue
        phone = f"137{i:08d}"
        user = db.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            user = User(role="litigant", name=f"当事人{i}", phone=phone, is_demo=True)
            db.session.add(user)
            db.session.flush()
        state = STATES[i % len(STATES)]
        numbered = state in ("accepted", "hearing")
        case = Case(filing_ref=ref, kind="civil", state=state, title=f"当事人{i}诉某公司买卖合同纠纷",
                    case_number=f"(2026){court.code}民初{1000 + i}号" if numbered else None,
                    court_id=court.id, filed_by_id=user.id, judge_id=judge.id if (numbered and judge) else None,
                    claims="请求判令被告支付货款。", facts="原告已供货，被告未付款。",
                    submitted_at=utcnow() - timedelta(days=i % 30 + 1))
        case.parties = [CaseParty(role="plaintiff", name=user.name, phone=phone, user_id=user.id)]
        db.session.add(case)
        db.session.flush()
        events.demo_seeded(case, user, state)
        created += 1
        if created % 500 == 0:
            db.session.flush()
    return created, seed_big_hearing(hearing_messages)


def seed_big_hearing(messages):
    """A hearing thread with `messages` messages (for the thread's speed in `make bench`)."""
    from app.demo import scale
    return f"big hearing: {scale.seed_big_hearing(messages)}"
