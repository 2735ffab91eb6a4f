"""Identity housekeeping jobs (queue: default)."""
from jobs import job_context


def purge_expired_reference_images():
    """Delete reference photos past the court's retention time; safe to run twice."""
    from app.extensions import db
    from app.services import identity
    with job_context():
        count = identity.purge_expired_reference_images()
        db.session.commit()
        return count
