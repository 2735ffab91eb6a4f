"""Background work: a durable job outbox, enqueued to RQ *after* the commit, or run inline.

`enqueue_after_commit()` writes a `jobs_outbox` row in the caller's transaction (so the job exists
exactly when its cause does, and not at all after a rollback) and sends it to RQ once the
transaction commits. The RQ job is always `jobs.outbox.run(row_id)`, which claims the row with one
conditional UPDATE (pending/queued -> running), runs the real job function, and marks it done. The
periodic `sweep()` re-enqueues what Redis never got (an outage at enqueue time), what a Redis
restart lost, and rows left `running` by a worker that died; the claim makes running twice
impossible and the job functions are idempotent, so a rerun files exactly one document.
Without REDIS_URL (the `make run` demo) the job runs in-process right after the commit.
"""
import importlib
import logging
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.base import utcnow
from app.models.record import JobOutbox

log = logging.getLogger("microcourt.jobs")

QUEUES = ("notifications", "documents", "media", "default")
_redis_clients = {}
# Settings (app.config, with these defaults): how long a row may wait before the sweep looks at it.
DEFAULTS = dict(
    JOBS_SWEEP_AFTER_SECONDS=60,    # pending (Redis never got it) for this long -> enqueue again
    JOBS_STALE_SECONDS=900,         # running this long -> its worker died: run it again
    JOBS_LOST_AFTER_SECONDS=3600,   # queued this long without starting -> Redis lost it
    JOBS_MAX_ATTEMPTS=5,            # then the row is `failed` and waits for a person
    JOBS_KEEP_DONE_DAYS=14,         # done rows are deleted after this (their key can then be used again)
)


def setting(name):
    return current_app.config.get(name, DEFAULTS[name])


def redis_client(url=None):
    import redis
    url = url or current_app.config["REDIS_URL"]
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _redis_clients[url]


def get_queue(name):
    from rq import Queue
    return Queue(name, connection=redis_client())


def _insert_ignore(values):
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING id: None when the key is taken."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(JobOutbox).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(JobOutbox.id)
    return db.session.execute(stmt).scalar()


def enqueue_after_commit(func, *args, queue="default", job_id=None, retry=None, timeout=None):
    """Ask for `func` (a dotted path in jobs/) to run once the current transaction commits.

    `job_id` is the job's idempotency key: asking again with the same key does nothing. Returns the
    outbox row id (None when the key was already taken)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")
    key = job_id or f"{func}:{uuid.uuid4().hex}"
    row_id = _insert_ignore(dict(key=key[:200], func=func, args=list(args), queue=queue, timeout=timeout,
                                 retry=[retry[0], list(retry[1])] if retry else None, state="pending",
                                 attempts=0, created_at=utcnow()))
    if row_id is not None:
        db.session.info.setdefault("pending_jobs", []).append(
            dict(id=row_id, func=func, args=args, queue=queue, timeout=timeout, retry=retry))
    return row_id


def _rq_retry(retry):
    if not retry:
        return None
    from rq import Retry
    return Retry(max=retry[0], interval=list(retry[1]))


def send(app, rows):
    """Enqueue outbox rows ({id, queue, timeout, retry}) on RQ, or run them inline without Redis.
    Never raises: what could not be enqueued stays `pending` for the sweep."""
    if not rows:
        return 0
    if not app.config.get("REDIS_URL"):
        for row in rows:
            run_inline(app, "jobs.outbox.run", (row["id"],))
        return len(rows)
    import redis
    sent = []
    with app.app_context():
        try:
            for row in rows:
                get_queue(row["queue"]).enqueue_call("jobs.outbox.run", args=(row["id"],), timeout=row.get("timeout"),
                                                     retry=_rq_retry(row.get("retry")))
                sent.append(row["id"])
        except redis.exceptions.RedisError as exc:
            # Nothing is lost: the rows are committed and the periodic sweep enqueues them again.
            log.warning("redis unavailable, %s job(s) left for the sweep: %s", len(rows) - len(sent), exc)
        if sent:
            with db.engine.begin() as conn:  # not the session: this runs inside its after_commit
                conn.execute(update(JobOutbox).where(JobOutbox.id.in_(sent), JobOutbox.state == "pending")
                             .values(state="queued", enqueued_at=utcnow()))
    return len(sent)


def dispatch(app, func, args, queue="default", job_id=None, retry=None, timeout=None):
    """Send one job straight to RQ, without an outbox row: for periodic jobs, which the scheduler
    asks for again in the next slot anyway, and for batches of rows that are their own outbox."""
    if app.config.get("REDIS_URL"):
        import redis
        try:
            with app.app_context():
                get_queue(queue).enqueue_call(func, args=args, job_id=job_id, timeout=timeout,
                                              retry=_rq_retry(retry))
        except redis.exceptions.RedisError as exc:
            log.warning("redis unavailable, %s(%s) left for the sweep: %s", func, args, exc)
        return
    run_inline(app, func, args)


def run_inline(app, func, args):
    module, _, name = func.rpartition(".")
    try:
        fn = getattr(importlib.import_module(module), name)
        with app.app_context():
            fn(*args)
    except Exception:  # an inline job failing must not fail the request that caused it
        log.exception("inline job %s(%s) failed; the sweep will retry", func, args)


# --------------------------------------------------------------------------- the worker's side

def run_job(row_id):
    """Claim one outbox row and run its job. Called by `jobs.outbox.run` inside an app context.

    Returns the job's result, or None when the row is done already or running elsewhere."""
    now = utcnow()
    claim = db.session.execute(
        update(JobOutbox).where(JobOutbox.id == row_id, JobOutbox.state.in_(("pending", "queued")))
        .values(state="running", started_at=now, attempts=JobOutbox.attempts + 1)
        .returning(JobOutbox.func, JobOutbox.args, JobOutbox.attempts, JobOutbox.retry)
        .execution_options(synchronize_session=False)).first()
    db.session.commit()  # the claim is visible to every other worker and to the sweep
    if claim is None:
        return None
    module, _, name = claim.func.rpartition(".")
    try:
        result = getattr(importlib.import_module(module), name)(*claim.args)
    except Exception as exc:
        db.session.rollback()
        limit = (claim.retry[0] + 1) if claim.retry else setting("JOBS_MAX_ATTEMPTS")
        if claim.attempts >= limit:
            values = dict(state="failed")
        elif claim.retry:  # RQ retries it after its backoff: queued, not the sweep's business yet
            values = dict(state="queued", enqueued_at=utcnow())
        else:
            values = dict(state="pending", enqueued_at=None)
        db.session.execute(update(JobOutbox).where(JobOutbox.id == row_id, JobOutbox.state == "running")
                           .values(last_error=f"{type(exc).__name__}: {exc}"[:500], finished_at=utcnow(), **values)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        raise
    db.session.execute(update(JobOutbox).where(JobOutbox.id == row_id, JobOutbox.state == "running")
                       .values(state="done", finished_at=utcnow(), last_error=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return result


def sweep(now=None, limit=5000):
    """Re-enqueue outbox rows that Redis never got, that a Redis restart lost, or whose worker died
    mid-job. Commits its own changes (it runs as a periodic job), then enqueues. Returns the count."""
    now = now or utcnow()
    stale = now - timedelta(seconds=setting("JOBS_STALE_SECONDS"))
    # A worker killed mid-job leaves its row `running` for good: give it back.
    revived = db.session.scalars(
        update(JobOutbox).where(JobOutbox.state == "running", JobOutbox.started_at < stale)
        .values(state="pending", enqueued_at=None, last_error="worker lost mid-job").returning(JobOutbox.id)
        .execution_options(synchronize_session=False)).all()
    waited = now - timedelta(seconds=setting("JOBS_SWEEP_AFTER_SECONDS"))
    lost = now - timedelta(seconds=setting("JOBS_LOST_AFTER_SECONDS"))
    rows = db.session.execute(select(JobOutbox.id, JobOutbox.queue, JobOutbox.timeout, JobOutbox.retry).where(or_(
        JobOutbox.id.in_(revived),
        (JobOutbox.state == "pending") & (JobOutbox.created_at <= waited) & (JobOutbox.enqueued_at.is_(None)),
        (JobOutbox.state == "queued") & (JobOutbox.enqueued_at < lost))).order_by(JobOutbox.id).limit(limit)).all()
    if rows:
        # Queued rows being sent again go back to pending first, so that a second failure to
        # enqueue leaves them where the next sweep finds them.
        db.session.execute(update(JobOutbox).where(JobOutbox.id.in_([r.id for r in rows]))
                           .values(state="pending", enqueued_at=None).execution_options(synchronize_session=False))
    db.session.commit()
    app = current_app._get_current_object()
    send(app, [dict(id=r.id, queue=r.queue, timeout=r.timeout, retry=r.retry) for r in rows])
    return len(rows)


def purge_done(now=None):
    """Delete done rows older than JOBS_KEEP_DONE_DAYS (failed ones stay until a person looks)."""
    cutoff = (now or utcnow()) - timedelta(days=setting("JOBS_KEEP_DONE_DAYS"))
    return db.session.execute(delete(JobOutbox).where(JobOutbox.state == "done", JobOutbox.finished_at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount


# --------------------------------------------------------------------------- commit hooks

@event.listens_for(Session, "after_commit")
def _run_pending_jobs(session):
    if session.in_nested_transaction():  # a savepoint ended; the real commit is still to come
        return
    pending = session.info.pop("pending_jobs", None)
    if not pending:
        return
    send(current_app._get_current_object(), pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending_jobs(session):
    if session.in_nested_transaction():
        return
    session.info.pop("pending_jobs", None)
