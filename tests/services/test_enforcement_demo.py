"""`demo seed` has one enforcement case in progress and one completed, and stays idempotent."""
from decimal import Decimal

from sqlalchemy import func, select

from app.models.enforcement import ExecutionCase, LedgerEntry
from app.services import enforcement as enf
from app.services.events import verify_chain


def test_demo_has_enforcement_in_progress_and_completed(db):
    from app import demo
    cases = {c.filing_ref: c for c in demo.seed()}
    db.session.commit()
    running, done = enf.execution_for(cases["LA2026-DEMO09"]), enf.execution_for(cases["LA2026-DEMO10"])
    assert running.status == "open" and running.hearing is not None and running.clues
    from app.models import ServiceOfDocument
    served = db.session.scalars(select(ServiceOfDocument.title).where(ServiceOfDocument.case_id == running.case_id)).all()
    assert sorted(served) == ["执行通知书", "报告财产令"]
    assert enf.totals(running)["outstanding"] == Decimal("180000.00")
    assert done.status == "completed" and cases["LA2026-DEMO10"].state == "closed"
    assert enf.totals(done)["paid_out"] == Decimal("23084.00")
    assert enf.execution_for(cases["LA2026-DEMO03"]) is not None  # the correction can now be resubmitted
    for ref in ("LA2026-DEMO09", "LA2026-DEMO10"):
        assert verify_chain(cases[ref].id) == []
    counts = (db.session.scalar(select(func.count(ExecutionCase.id))),
              db.session.scalar(select(func.count(LedgerEntry.id))))
    demo.seed()
    db.session.commit()
    assert counts == (db.session.scalar(select(func.count(ExecutionCase.id))),
                      db.session.scalar(select(func.count(LedgerEntry.id))))
