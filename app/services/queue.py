"""Background work: the one helper that enqueues RQ jobs *after* the commit, or runs them inline.

A job must never find that its row does not exist yet, so jobs asked for inside a transaction wait
in `session.info` until it commits, and are dropped when it rolls back. Without REDIS_URL (the
`make run` demo) the job runs in-process right after the commit, in a fresh app context.
"""
import importlib
import logging

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger("microcourt.jobs")

QUEUES = ("notifications", "documents", "media", "default")
_redis_clients = {}


def redis_client(url=None):
    import redis
    url = url or current_app.config["REDIS_URL"]
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _redis_clients[url]


def get_queue(name):
    from rq import Queue
    return Queue(name, connection=redis_client())


def enqueue_after_commit(func, *args, queue="default", job_id=None, retry=None, timeout=None):
    """Ask for `func` (a dotted path in jobs/) to run once the current transaction commits."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")
    db.session.info.setdefault("pending_jobs", []).append(
        dict(func=func, args=args, queue=queue, job_id=job_id, retry=retry, timeout=timeout))


def dispatch(app, func, args, queue="default", job_id=None, retry=None, timeout=None):
    """Send one job to RQ, or run it inline when no Redis is configured. Never raises."""
    if app.config.get("REDIS_URL"):
        import redis
        from rq import Retry
        try:
            with app.app_context():
                get_queue(queue).enqueue_call(
                    func, args=args, job_id=job_id, timeout=timeout,
                    retry=Retry(max=retry[0], interval=list(retry[1])) if retry else None)
        except redis.exceptions.RedisError as exc:
            # Nothing is lost: the row is committed and the periodic sweep enqueues it again.
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


@event.listens_for(Session, "after_commit")
def _run_pending_jobs(session):
    if session.in_nested_transaction():  # a savepoint ended; the real commit is still to come
        return
    pending = session.info.pop("pending_jobs", None)
    if not pending:
        return
    app = current_app._get_current_object()
    for job in pending:
        dispatch(app, **job)


@event.listens_for(Session, "after_rollback")
def _drop_pending_jobs(session):
    if session.in_nested_transaction():
        return
    session.info.pop("pending_jobs", None)
