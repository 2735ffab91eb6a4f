"""Hearing jobs: deadline reminders (periodic, queue notifications) and evidence thumbnails (queue media)."""
from jobs import job_context


def send_due_reminders():
    from app.extensions import db
    from app.services import hearings
    with job_context():
        count = hearings.send_due_reminders()
        db.session.commit()
        return count


def make_thumbnail(evidence_id):
    from app.extensions import db
    from app.services import hearings
    with job_context():
        hearings.make_thumbnail(evidence_id)
        db.session.commit()
