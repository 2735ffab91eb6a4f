"""Document jobs: idempotent when run twice, in-process and through a real RQ worker."""
import pytest
from sqlalchemy import func, select

from app.models import StoredFile, TranscriptVersion
from tests.conftest import run_burst_worker
from tests.services.documents_helpers import record_hearing


def _closed_hearing(db, make_user, make_case):
    """A hearing of 30 messages, closed; its draft job not run yet. Returns the hearing's id."""
    judge = make_user("judge")
    plaintiff, defendant = make_user(), make_user()
    case = make_case(court=judge.court, filer=plaintiff, defendant=defendant)
    held = record_hearing(case, judge, [(plaintiff, "plaintiff"), (defendant, "defendant")], rendered=False,
                          messages=[(plaintiff, "plaintiff", f"第{i}条发言") for i in range(30)])
    db.session.commit()
    return held.id


def _versions(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(TranscriptVersion))


def test_draft_job_run_twice_files_one_document(db, make_user, make_case):
    from jobs.documents import render_transcript_draft
    hid = _closed_hearing(db, make_user, make_case)
    render_transcript_draft(hid)
    render_transcript_draft(hid)
    assert _versions(db) == 1
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1


def test_draft_job_for_unknown_hearing_is_a_no_op(db):
    from jobs.documents import render_transcript_draft
    render_transcript_draft(424242)
    assert _versions(db) == 0


@pytest.mark.redis
def test_real_worker_renders_once_when_enqueued_twice(redis_app, db, make_user, make_case):
    from app.services.queue import enqueue_after_commit
    hid = _closed_hearing(db, make_user, make_case)
    enqueue_after_commit("jobs.documents.render_transcript_draft", hid, queue="documents")
    enqueue_after_commit("jobs.documents.render_transcript_draft", hid, queue="documents")
    db.session.commit()
    # A burst worker runs both jobs and exits: no waiting to prove the second made nothing.
    log = run_burst_worker(redis_app, "documents")
    assert log.count("Job OK") == 2, log[-2000:]
    assert _versions(db) == 1
