"""Filing jobs: the acceptance notice (queue: documents) and the correction-deadline sweep."""
from jobs import job_context


def make_acceptance_notice(case_id):
    from app.extensions import db
    from app.services import filing
    with job_context():
        filing.make_acceptance_notice(case_id)
        db.session.commit()


def expire_overdue_corrections():
    from app.extensions import db
    from app.services import filing
    with job_context():
        closed = filing.expire_overdue_corrections()
        db.session.commit()
        return len(closed)
