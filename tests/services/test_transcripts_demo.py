"""`demo seed` leaves one fully signed transcript and one signed mediation agreement, idempotently."""
from sqlalchemy import func, select

from app.models import MediationAgreement, SmsMessage, StoredFile, Transcript


def test_demo_seed_has_signed_transcript_and_agreement_and_is_idempotent(db):
    from app import demo
    cases = demo.seed()
    db.session.commit()
    files = db.session.scalar(select(func.count()).select_from(StoredFile))
    again = demo.seed()
    db.session.commit()
    assert [c.id for c in cases] == [c.id for c in again]
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == files
    finals = db.session.scalars(select(Transcript).where(Transcript.state == "final")).all()
    assert finals and all(t.signed_version is not None for t in finals)
    agreement = db.session.scalars(select(MediationAgreement).where(MediationAgreement.state == "signed")).one()
    assert agreement.file is not None and agreement.case.state == "mediated"
    assert db.session.scalar(select(func.count()).select_from(SmsMessage).where(
        SmsMessage.kind.in_(("transcript", "mediation")))) == 0
