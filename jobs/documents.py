"""Document jobs (queue: documents): transcripts, mediation agreements, service certificates.

Each is safe to run twice: the service looks for a document with the same content hash before
rendering, and a worker killed mid-render commits nothing, so the rerun files exactly one.
"""
from jobs import job_context


def render_transcript_draft(hearing_id):
    from app.extensions import db
    from app.services import transcripts
    from app.services.errors import DomainError
    with job_context():
        try:
            transcripts.render_draft(hearing_id)
        except DomainError:  # hearing gone or reopened: nothing to render, nothing to retry
            db.session.rollback()
            return
        db.session.commit()


def render_signed_transcript(transcript_id):
    from app.extensions import db
    from app.services import transcripts
    with job_context():
        transcripts.render_signed(transcript_id)
        db.session.commit()


def render_mediation_agreement(agreement_id):
    from app.extensions import db
    from app.services import mediation
    with job_context():
        mediation.render_signed(agreement_id)
        db.session.commit()


def render_service_certificate(service_id):
    from app.extensions import db
    from app.services import e_service
    with job_context():
        e_service.render_certificate(service_id)
        db.session.commit()


def sync_service_receipts():
    from app.extensions import db
    from app.services import e_service
    with job_context():
        e_service.sync_open_services()
        db.session.commit()
