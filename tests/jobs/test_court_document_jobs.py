"""The periodic sweep that makes court documents effective and closes their cases."""
from datetime import timedelta

from app.models import Case
from app.services import court_documents as docs, filing
from tests.services.test_court_documents import _issue, _judgment, _receive_all, court_case  # noqa: F401


def test_the_sweep_job_makes_a_judgment_effective_when_its_day_comes_and_is_listed(app, db, court_case,  # noqa: F811
                                                                                   monkeypatch):
    from jobs import court_documents as doc_jobs
    from jobs.periodic import PERIODIC
    assert any(p.func == "jobs.court_documents.sweep_effects" for p in PERIODIC)
    case, judge, clerk = court_case
    doc = _judgment(db, case, judge)
    _issue(db, doc, judge, clerk)
    docs.serve(doc, clerk)
    db.session.commit()
    _receive_all(db, doc)
    doc_jobs.sweep_effects()  # today: not yet
    assert db.session.get(Case, case.id).state == "decided"
    from app.services import court_time
    real = court_time.today
    monkeypatch.setattr(court_time, "today", lambda at=None: real(at) if at else real() + timedelta(days=16))
    doc_jobs.sweep_effects()
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "closed"
