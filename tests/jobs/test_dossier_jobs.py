"""The checkpoint job: signs each grown log once, keeps every checkpoint, is in the periodic list."""
from sqlalchemy import func, select


def test_checkpoint_job_signs_grown_logs_once_and_keeps_every_checkpoint(db, make_case):
    from app.models import DossierCheckpoint
    from app.services import checkpoints
    from app.services.events import record_event
    from jobs.dossier import sign_checkpoints
    from jobs.periodic import PERIODIC
    assert "jobs.dossier.sign_checkpoints" in [p.func for p in PERIODIC]
    case = make_case()
    first = sign_checkpoints()
    assert first == [(f"court-{case.court_id}", 1)]  # the case number
    assert sign_checkpoints() == []  # nothing grew
    record_event(case, None, "note", text="x")
    db.session.commit()
    (log, size), = sign_checkpoints()
    assert size == first[0][1] + 1
    notes = db.session.scalars(select(DossierCheckpoint.note).order_by(DossierCheckpoint.id)).all()
    assert len(notes) == 2
    origin, signed_size, _root = checkpoints.verify(notes[-1])
    assert origin.endswith(f"/dossier/{log}") and signed_size == size
    assert db.session.scalar(select(func.count()).select_from(DossierCheckpoint)) == 2
