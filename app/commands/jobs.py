"""`flask jobs worker|scheduler|sweep`: RQ workers with the app preloaded before each fork."""
import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.services.queue import QUEUES, redis_client

jobs_cli = AppGroup("jobs", help="Background jobs (RQ).")
log = logging.getLogger("microcourt.jobs")


# The queues whose jobs use each heavy engine: a worker that serves none of them does not load it
# (the face model alone takes seconds and ~100 MB; an SMS worker never needs it).
HEAVY = {"app.services.faces": ("default",), "app.services.pdf": ("documents",),
         "app.services.pdf_signing": ("documents",)}


def preload(queues=QUEUES):
    """Import the heavy parts once in the worker parent, so forked jobs start warm."""
    import jobs
    jobs._app = current_app._get_current_object()
    for name, users in HEAVY.items():
        if not set(users) & set(queues):
            continue
        try:
            module = __import__(name, fromlist=["preload"])
        except ImportError:
            continue
        if hasattr(module, "preload"):
            module.preload()
    # RQ forks once per job: anything left lazy is paid again in every child. Configuring the
    # mappers took 0.7 s per SMS job; importing the job modules and freezing the heap (so the
    # child's garbage collector does not copy every page) keeps a light job at a few ms.
    import gc
    import importlib
    import pkgutil
    from sqlalchemy.orm import configure_mappers
    configure_mappers()
    for info in pkgutil.iter_modules(jobs.__path__):
        try:
            importlib.import_module(f"jobs.{info.name}")
        except ImportError:
            log.exception("jobs.%s could not be imported before forking", info.name)
    gc.collect()
    gc.freeze()


@jobs_cli.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--name", default=None)
@click.option("--fork/--no-fork", default=True,
              help="--no-fork runs jobs in the worker process (rq SimpleWorker): for light queues such as "
                   "notifications, where a fork and a new database connection per job cost more than the job.")
def worker(queues, burst, name, fork):
    """Run an RQ worker on the given queues (default: all)."""
    from rq import SimpleWorker, Worker
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker is needed.")
    preload(queues or QUEUES)
    w = (Worker if fork else SimpleWorker)(list(queues or QUEUES), connection=redis_client(), name=name)
    # with_scheduler: RQ moves retries with a backoff interval back onto the queue when due.
    w.work(burst=burst, logging_level="INFO", with_scheduler=True)


@jobs_cli.command("scheduler")
@click.option("--once", is_flag=True, help="One tick, then exit.")
def scheduler(once):
    """Enqueue the periodic jobs (jobs/periodic.py) on time; safe to run in several places."""
    from jobs.periodic import tick
    app = current_app._get_current_object()
    while True:
        sent = tick(app)
        if sent:
            log.info("periodic: %s", ", ".join(sent))
        if once:
            return
        time.sleep(5)


@jobs_cli.command("sweep")
def sweep():
    """Re-enqueue unsent SMS and outbox jobs that are overdue (Redis was down, a worker died) now."""
    from app.services.notifications import sweep_unsent
    from app.services.queue import sweep as sweep_outbox
    click.echo(f"{sweep_unsent()} message(s) re-enqueued")
    click.echo(f"{sweep_outbox()} job(s) re-enqueued")


@jobs_cli.command("outbox")
@click.option("--state", default=None, help="Only rows in this state (pending, queued, running, done, failed).")
def outbox(state):
    """The job outbox in the terminal, newest first."""
    from sqlalchemy import select
    from app.extensions import db
    from app.models.record import JobOutbox
    q = select(JobOutbox).order_by(JobOutbox.id.desc()).limit(200)
    if state:
        q = q.where(JobOutbox.state == state)
    for row in db.session.scalars(q):
        click.echo(f"{row.id}\t{row.state}\t{row.attempts}\t{row.func}{tuple(row.args)}\t{row.last_error or ''}")
