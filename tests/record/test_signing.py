"""Signing is bound to an exact version: the signed copy says what the signers confirmed, word for word."""
import re

import pytest
from sqlalchemy import func, select

from app.models import Transcript, TranscriptConfirmation, TranscriptVersion
from app.services import signatures, storage, transcripts
from app.services.events import record_event
from tests.record.race import race
from tests.services.documents_helpers import drawn_png, face_session, pdftotext
from tests.services.test_transcripts import MESSAGES, hearing  # noqa: F401 - fixture

ADDENDUM = "更正：原告称货款为十六万元，而非十五万元。"
LATE = "这句话在签名之后才记录，不应出现在签名版中。"


def _draft(db, h):
    version = transcripts.render_draft(h["hearing_id"])
    db.session.commit()
    return db.session.get(Transcript, version.transcript_id)


def _confirm(db, user, transcript, confirmed_hash, commit=True):
    if signatures.current_signature(user) is None:
        signatures.save_signature(user, drawn_png())
    row = transcripts.confirm(transcript, user, face_session(user), confirmed_hash)
    if commit:
        db.session.commit()
    return row


def body(text):
    """The transcript's words: the document text without what only a draft or only a signed copy
    carries (the watermark, signature block, verification code and hash)."""
    text = re.sub(r"[草稿]", "", text)  # the draft watermark, drawn diagonally, comes out in pieces
    text = text.split("签名")[0]  # the signature block and what follows it
    return re.sub(r"验证码.{0,40}|文档摘要.{0,80}|sha256:[0-9a-f]+", "", text)


def test_addendum_voids_earlier_confirmations_and_signed_text_is_the_confirmed_text(db, hearing, tmp_path):
    h = hearing
    transcript = _draft(db, h)
    v1 = transcript.current_draft
    _confirm(db, h["plaintiff"], transcript, v1.content_hash)
    # The judge corrects the record: the new draft exists when the addendum does, not when a job runs.
    transcripts.add_addendum(transcript, h["judge"], ADDENDUM)
    db.session.info.pop("pending_jobs", None)  # whatever the addendum asked of the queue never runs
    db.session.commit()
    db.session.expire_all()
    v2 = transcript.current_draft
    assert v2.id != v1.id and ADDENDUM in pdftotext(storage.read_bytes(v2.file), tmp_path)
    first = db.session.scalar(select(TranscriptConfirmation))
    assert first.voided_at is not None and first.content_hash == v1.content_hash
    # The defendant still holds the old page: confirming v1 is refused, nothing is signed.
    with pytest.raises(signatures.StaleVersion):
        _confirm(db, h["defendant"], transcript, v1.content_hash)
    db.session.rollback()
    assert transcript.state == "draft"
    # Both confirm the version with the addendum; the signed copy says exactly that.
    _confirm(db, h["plaintiff"], transcript, v2.content_hash)
    row = _confirm(db, h["defendant"], transcript, v2.content_hash)
    assert row.last_event_seq == v2.last_event_seq and row.content_hash == v2.content_hash
    db.session.expire_all()
    transcript = db.session.get(Transcript, transcript.id)
    signed = transcript.signed_version
    assert transcript.state == "final" and signed is not None
    signed_text = pdftotext(storage.read_bytes(signed.file), tmp_path)
    draft_text = pdftotext(storage.read_bytes(v2.file), tmp_path)
    assert body(signed_text) == body(draft_text)
    assert ADDENDUM in signed_text and all(m in signed_text for m in MESSAGES)


def test_signed_copy_is_rendered_from_the_confirmed_version_not_later_events(db, hearing, tmp_path):
    h = hearing
    transcript = _draft(db, h)
    v1 = transcript.current_draft
    _confirm(db, h["plaintiff"], transcript, v1.content_hash)
    _confirm(db, h["defendant"], transcript, v1.content_hash, commit=False)
    db.session.info.pop("pending_jobs", None)  # the signed-copy job is late...
    db.session.commit()
    # ...and meanwhile something else lands in the hearing's record.
    record_event(h["case"], h["judge"], "message_posted", hearing_id=h["hearing_id"], message_id=99,
                 author_id=h["judge"].id, author_name=h["judge"].name, author_role="judge", text=LATE,
                 reply_to_message_id=None, evidence_ids=[], exhibits=[])
    db.session.commit()
    transcripts.render_signed(transcript.id)
    db.session.commit()
    db.session.expire_all()
    signed = db.session.get(Transcript, transcript.id).signed_version
    signed_text = pdftotext(storage.read_bytes(signed.file), tmp_path)
    assert LATE not in signed_text
    assert body(signed_text) == body(pdftotext(storage.read_bytes(v1.file), tmp_path))


def test_confirm_racing_an_addendum_never_signs_unconfirmed_text(app, db, hearing):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    h = hearing
    transcript = _draft(db, h)
    v1_hash, tid = transcript.current_draft.content_hash, transcript.id
    plaintiff_id, judge_id = h["plaintiff"].id, h["judge"].id
    signatures.save_signature(h["plaintiff"], drawn_png())
    db.session.commit()

    def act(i, barrier):
        from app.extensions import db as tdb
        from app.models import User
        t = tdb.session.get(Transcript, tid)
        if i == 0:
            who = tdb.session.get(User, plaintiff_id)
            session = face_session(who)
            barrier.wait()
            return transcripts.confirm(t, who, session, v1_hash).id
        barrier.wait()
        return transcripts.add_addendum(t, tdb.session.get(User, judge_id), ADDENDUM).id

    results = race(app, 2, act)
    assert not any(isinstance(r, Exception) and not isinstance(r, signatures.StaleVersion) for r in results), results
    db.session.expire_all()
    transcript = db.session.get(Transcript, tid)
    assert transcript.state == "draft"
    assert db.session.scalar(select(func.count()).select_from(TranscriptVersion)) == 2
    live = [c for c in transcript.confirmations if c.voided_at is None]
    assert all(c.version_id == transcript.current_draft.id for c in live)  # nothing stands for the old text
