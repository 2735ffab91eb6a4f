"""Periodic jobs, declared once. Each tick enqueues a job at most once per time slot (a Redis
SET NX key named after the job and slot), so several schedulers never double a job."""
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    func: str
    every: int  # seconds
    queue: str = "default"


PERIODIC = [
    Periodic("jobs.sms.sweep_unsent", 60, "notifications"),
    Periodic("jobs.outbox.sweep", 60, "default"),  # jobs Redis never got (sign-in code requests too), or a dead worker left running
    Periodic("jobs.outbox.purge", 3600, "default"),  # done jobs after 14 days, idempotency keys after 30
    Periodic("jobs.filing.expire_overdue_corrections", 300, "default"),
    Periodic("jobs.hearings.send_due_reminders", 60, "notifications"),
    Periodic("jobs.identity.purge_expired_reference_images", 3600, "default"),
    Periodic("jobs.documents.sync_service_receipts", 60, "documents"),  # gateway receipts -> service log
    Periodic("jobs.dossier.sign_checkpoints", 60, "default"),  # signed tree heads of the dossier logs
    Periodic("jobs.court_documents.sweep_effects", 3600, "documents"),  # judgments/rulings/调解书 take effect
]


_last_slot = {}  # without Redis (one demo process): the slot each job last ran in


def tick(app, now=None):
    from app.services.queue import dispatch, redis_client
    now = now or time.time()
    sent = []
    for p in PERIODIC:
        slot = int(now // p.every)
        key = f"microcourt:periodic:{p.func}:{slot}"
        if app.config.get("REDIS_URL"):
            with app.app_context():
                if not redis_client().set(key, 1, nx=True, ex=p.every * 3):
                    continue
        elif _last_slot.get(p.func) == slot:
            continue
        _last_slot[p.func] = slot
        dispatch(app, p.func, (), queue=p.queue, job_id=f"periodic-{p.func.replace('.', '_')}-{slot}")
        sent.append(p.func)
    return sent
