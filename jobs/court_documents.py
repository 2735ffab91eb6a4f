"""Court-document jobs: the daily sweep that makes served judgments, rulings and 调解书 effective (and closes
their cases) once their day has come. Safe to run twice: an effective document is skipped."""
from jobs import job_context


def sweep_effects():
    from app.extensions import db
    from app.services import court_documents
    with job_context():
        court_documents.sweep_effects()
        db.session.commit()
