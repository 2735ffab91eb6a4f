"""`demo seed` gives filings in every state, with documents, versions and a correction request."""
from sqlalchemy import func, select

from app.models.filing import CorrectionRequest, FilingAttachment, FilingVersion
from app.services import filing


def test_demo_seed_has_filing_data_in_each_state_and_is_idempotent(db):
    from app import demo
    cases = {c.filing_ref: c for c in demo.seed()}
    db.session.commit()
    states = {c.state for c in cases.values()}
    assert {"draft", "submitted", "needs_correction", "accepted", "rejected"} <= states
    demo03 = cases["LA2026-DEMO03"]
    req = filing.open_correction(demo03)
    assert len(req.items) == 3 and req.deadline > filing.utcnow()
    assert cases["LA2026-DEMO05"].rejected_reason
    assert filing.problems(cases["LA2026-DEMO02"]) == []
    count = db.session.scalar(select(func.count(FilingAttachment.id)))
    demo.seed()
    db.session.commit()
    assert db.session.scalar(select(func.count(FilingAttachment.id))) == count
    assert db.session.scalar(select(func.count(CorrectionRequest.id))) == 1
    assert db.session.scalar(select(func.count(FilingVersion.id))) == len(
        [row for row in demo.CASES if row[2] != "draft"])
