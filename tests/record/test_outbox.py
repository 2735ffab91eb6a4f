"""The durable job outbox with a real Redis and real RQ workers: a Redis outage at enqueue time and a
worker SIGKILLed mid-render each end with exactly one document, for every document job kind."""
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from app.models import CourtFee, StoredFile, TranscriptVersion
from app.models.filing import AcceptanceNotice
from app.models.hearing import Evidence
from app.models.record import JobOutbox
from app.services import filing, hearings
from app.services import queue as queue_service
from tests.conftest import REDIS_URL, ROOT, wait_for, worker_env
from tests.services.test_filing import case_in
from tests.services.test_hearings import build_room, png_bytes, upload

pytestmark = pytest.mark.redis
DEAD_REDIS = "redis://127.0.0.1:1/0"


def _count(db, q):
    db.session.expire_all()
    return db.session.scalar(q)


# --- the three document job kinds: (queue, cause, documents made so far) ---------------------

def acceptance_notice(db, make_user, make_case, make_court):
    court = make_court(code="沪0117")
    clerk = make_user("clerk", court=court)
    filer = make_user("litigant", name="王芳", phone="13800000001")
    from tests.services.test_filing import valid_id
    filer.id_number = valid_id()
    db.session.commit()
    case = case_in(db, "submitted", court, clerk, filer)

    def cause():
        filing.accept(db.session.get(type(case), case.id), clerk)
        db.session.commit()
    return cause, select(func.count()).select_from(AcceptanceNotice), "jobs.filing.make_acceptance_notice"


def thumbnail(db, make_user, make_case, make_court):
    room = build_room(db, make_user, make_case, make_court)

    def cause():
        hearings.post_message(room.hearing, room.plaintiff, "照片", files=[upload(png_bytes(), "photo.png")])
        db.session.commit()
    return cause, select(func.count()).select_from(Evidence).where(Evidence.thumbnail_file_id.isnot(None)), \
        "jobs.hearings.make_thumbnail"


def transcript(db, make_user, make_case, make_court):
    room = build_room(db, make_user, make_case, make_court)
    hearings.post_message(room.hearing, room.plaintiff, "我方已提交全部证据。")
    db.session.commit()

    def cause():
        hearings.close_hearing(room.hearing, room.judge)
        db.session.commit()
    return cause, select(func.count()).select_from(TranscriptVersion), "jobs.documents.render_transcript_draft"


KINDS = {"acceptance_notice": (acceptance_notice, "documents"), "thumbnail": (thumbnail, "media"),
         "transcript": (transcript, "documents")}


def _children(pid):
    """Process ids whose parent is `pid` (RQ's work-horse runs in a session of its own)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _own_files(db):
    """Stored files, less the payment notices: accepting a case also assesses its court fee, whose
    notice is a document job of its own on the same queue (issue #16), not the one under test."""
    filed_elsewhere = select(CourtFee.notice_file_id).where(CourtFee.notice_file_id.isnot(None))
    return _count(db, select(func.count()).select_from(StoredFile).where(StoredFile.id.not_in(filed_elsewhere)))


def _row(db, func_name):
    db.session.expire_all()
    return db.session.scalar(select(JobOutbox).where(JobOutbox.func == func_name))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_redis_down_at_enqueue_time_the_job_runs_after_the_sweep(kind, app, redis_app, db, start_worker, make_user,
                                                                 make_case, make_court):
    setup, queue_name = KINDS[kind]
    cause, documents, func_name = setup(db, make_user, make_case, make_court)
    app.config["REDIS_URL"] = DEAD_REDIS
    try:
        cause()  # must not raise: the outbox row is committed with its cause
    finally:
        app.config["REDIS_URL"] = REDIS_URL
    row = _row(db, func_name)
    assert row is not None and row.state == "pending" and row.enqueued_at is None
    assert _count(db, documents) == 0
    start_worker(queue_name)
    app.config["JOBS_SWEEP_AFTER_SECONDS"] = 0
    try:
        assert queue_service.sweep() >= 1
    finally:
        app.config.pop("JOBS_SWEEP_AFTER_SECONDS")
    assert wait_for(lambda: _row(db, func_name).state == "done", timeout=60), _row(db, func_name).last_error
    assert _count(db, documents) == 1
    assert queue_service.sweep() == 0  # nothing left over: a second sweep sends nothing again


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_worker_killed_mid_render_gives_exactly_one_document_after_the_sweep(
        kind, app, redis_app, db, start_worker, make_user, make_case, make_court, tmp_path):
    setup, queue_name = KINDS[kind]
    cause, documents, func_name = setup(db, make_user, make_case, make_court)
    log = open(tmp_path / "slow.log", "w")
    slow = subprocess.Popen([sys.executable, "-m", "tests.record.slow_worker", queue_name],
                            cwd=ROOT, env=worker_env(redis_app), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        cause()
        assert wait_for(lambda: _row(db, func_name).state == "running", timeout=60), "the job never started"
        time.sleep(0.5)  # well inside the render
    finally:
        for pid in _children(slow.pid) + [slow.pid]:  # the work-horse and its worker, no goodbye
            os.kill(pid, signal.SIGKILL)
        slow.wait(10)
        log.close()
    assert _row(db, func_name).state == "running" and _count(db, documents) == 0
    stored_before = _own_files(db)
    start_worker(queue_name)
    app.config["JOBS_STALE_SECONDS"] = 0
    try:
        assert queue_service.sweep() >= 1
    finally:
        app.config.pop("JOBS_STALE_SECONDS")
    assert wait_for(lambda: _row(db, func_name).state == "done", timeout=60), _row(db, func_name).last_error
    time.sleep(1)
    assert _count(db, documents) == 1
    assert _own_files(db) == stored_before + 1  # and no orphan file left by the killed render
    assert _row(db, func_name).attempts == 2


def test_same_key_asked_twice_is_one_job(app, db):
    first = queue_service.enqueue_after_commit("jobs.bench.noop", 1, job_id="once-only")
    second = queue_service.enqueue_after_commit("jobs.bench.noop", 1, job_id="once-only")
    db.session.commit()
    assert first is not None and second is None
    assert db.session.scalar(select(func.count()).select_from(JobOutbox)) == 1
    assert db.session.scalar(select(JobOutbox.state)) == "done"  # inline mode ran it after the commit


def test_rolled_back_cause_leaves_no_job(app, db):
    queue_service.enqueue_after_commit("jobs.bench.noop", 1)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(JobOutbox)) == 0


def test_a_claimed_job_does_not_run_twice(app, db):
    row_id = queue_service.enqueue_after_commit("jobs.bench.noop", 7)
    db.session.info.pop("pending_jobs")  # as if Redis had it: run it by hand, twice
    db.session.commit()
    assert queue_service.run_job(row_id) == 7
    assert queue_service.run_job(row_id) is None
    assert db.session.get(JobOutbox, row_id).attempts == 1


def test_purge_forgets_old_done_jobs_and_old_keys_only(app, db, make_user):
    from datetime import timedelta
    from app.models import utcnow
    from app.models.record import IdempotencyKey
    from jobs.outbox import purge
    old, fresh = utcnow() - timedelta(days=40), utcnow()
    user = make_user()
    db.session.add_all([
        JobOutbox(key="old-done", func="jobs.bench.noop", args=[], queue="default", state="done", finished_at=old),
        JobOutbox(key="new-done", func="jobs.bench.noop", args=[], queue="default", state="done", finished_at=fresh),
        JobOutbox(key="old-failed", func="jobs.bench.noop", args=[], queue="default", state="failed", finished_at=old),
        IdempotencyKey(user_id=user.id, key="k" * 32, scope="t", created_at=old),
        IdempotencyKey(user_id=user.id, key="n" * 32, scope="t", created_at=fresh)])
    db.session.commit()
    assert purge() == (1, 1)
    db.session.expire_all()
    assert sorted(db.session.scalars(select(JobOutbox.key))) == ["new-done", "old-failed"]
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["n" * 32]
