"""The job outbox (jobs_outbox): every job asked for by a service runs through `run`, and the
periodic `sweep` re-enqueues what Redis never got or a dead worker left half-done."""
from jobs import job_context


def run(outbox_id):
    """Claim the outbox row and run its job; a second copy of this RQ job finds it claimed and stops."""
    from app.services import queue
    with job_context():
        return queue.run_job(outbox_id)


def sweep():
    from app.services import queue
    with job_context():
        return queue.sweep()


def purge():
    """Periodic housekeeping: done outbox rows and old idempotency keys."""
    from app.extensions import db
    from app.services import idempotency, queue
    with job_context():
        done, keys = queue.purge_done(), idempotency.purge()
        db.session.commit()
        return done, keys
