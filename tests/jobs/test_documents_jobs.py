"""Document jobs: idempotent when run twice, in-process and through a real RQ worker."""
import time

import pytest
from sqlalchemy import func, select

from app.models import StoredFile, TranscriptVersion
from tests.conftest import wait_for
from tests.services.documents_helpers import record_hearing


def _closed_hearing(db, make_user, make_case, hid=11):
    judge = make_user("judge")
    plaintiff, defendant = make_user(), make_user()
    case = make_case(court=judge.court, filer=plaintiff, defendant=defendant)
    record_hearing(case, judge, [(plaintiff, "plaintiff"), (defendant, "defendant")], hearing_id=hid,
                   messages=[(plaintiff, "plaintiff", f"第{i}条发言") for i in range(30)])
    db.session.commit()
    return case


def _versions(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(TranscriptVersion))


def test_draft_job_run_twice_files_one_document(db, make_user, make_case):
    from jobs.documents import render_transcript_draft
    _closed_hearing(db, make_user, make_case)
    render_transcript_draft(11)
    render_transcript_draft(11)
    assert _versions(db) == 1
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1


def test_draft_job_for_unknown_hearing_is_a_no_op(db):
    from jobs.documents import render_transcript_draft
    render_transcript_draft(424242)
    assert _versions(db) == 0


@pytest.mark.redis
def test_real_worker_renders_once_when_enqueued_twice(redis_app, db, make_user, make_case, start_worker):
    from app.services.queue import enqueue_after_commit
    _closed_hearing(db, make_user, make_case)
    enqueue_after_commit("jobs.documents.render_transcript_draft", 11, queue="documents")
    enqueue_after_commit("jobs.documents.render_transcript_draft", 11, queue="documents")
    db.session.commit()
    start_worker("documents")
    assert wait_for(lambda: _versions(db) >= 1, timeout=40), "the worker rendered nothing"
    time.sleep(2)  # give the second job time to (not) make another document
    assert _versions(db) == 1
