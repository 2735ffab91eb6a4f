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


def deliver_sms_batch(sms_ids):
    """Deliver many SMS, each in its own transaction. If any failed, the whole job is retried:
    delivery is idempotent, so the ones already sent are skipped."""
    from app.extensions import db
    from app.services import notifications
    with job_context():
        via, failed = notifications.gateway(), []
        for sms_id in sms_ids:
            try:
                notifications.deliver(sms_id, via=via)
            except notifications.GatewayError:
                failed.append(sms_id)
            db.session.commit()
        if failed:
            raise notifications.GatewayError(f"{len(failed)} of {len(sms_ids)} failed, first {failed[0]}")
        return len(sms_ids)


def sweep_unsent():
    from app.services import notifications
    with job_context():
        return notifications.sweep_unsent()
