"""The dossier log: records bound at commit, verified against rows, files and signed checkpoints."""
from sqlalchemy import func, select, text

from app.models import DossierLeaf


def test_demo_court_is_fully_logged_and_intact(db):
    from app import demo
    from app.services import dossier
    demo.seed(None)
    db.session.commit()
    assert dossier.unlogged() == {}
    kinds = set(db.session.scalars(select(DossierLeaf.kind).distinct()))
    assert {"file", "case_number", "event", "filing_version", "message", "exhibit", "signature",
            "signature_application", "transcript_version", "agreement"} <= kinds, kinds
    assert dossier.verify() == []
    dossier.sign_checkpoints()
    db.session.commit()
    assert dossier.verify() == []
