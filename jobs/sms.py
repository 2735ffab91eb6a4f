"""SMS delivery jobs (queue: notifications)."""
from jobs import job_context


def deliver_sms(sms_id):
    from app.extensions import db
    from app.services import notifications
    with job_context():
        try:
            notifications.deliver(sms_id)
        except notifications.GatewayError:
            db.session.commit()  # keep the attempt count and error, then let RQ retry with backoff
            raise
        db.session.commit()


def sweep_unsent():
    from app.services import notifications
    with job_context():
        return notifications.sweep_unsent()
