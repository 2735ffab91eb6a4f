"""Transcripts built from the hearing's events: content, idempotence, confirm/object/addendum, signing."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.models import CaseEvent, SmsMessage, StoredFile, Transcript, TranscriptVersion, utcnow
from app.services import signatures, storage, transcripts
from app.services import court_time, events
from tests.services.documents_helpers import drawn_png, face_session, pdftotext, record_hearing
from tests.services.test_filing import PDF

MESSAGES = ["被告于2026年3月收货后至今未付款。", "货物存在质量问题，我方已书面提出异议。"]


@pytest.fixture
def hearing(db, make_user, make_case):
    judge = make_user("judge", name="张俊")
    plaintiff, defendant = make_user(name="王芳"), make_user(name="陈强")
    case = make_case(court=judge.court, filer=plaintiff, defendant=defendant)
    held = record_hearing(case, judge, [(plaintiff, "plaintiff"), (defendant, "defendant")],
                          messages=[(plaintiff, "plaintiff", MESSAGES[0]), (defendant, "defendant", MESSAGES[1])],
                          rendered=False)
    db.session.commit()
    return dict(case=case, judge=judge, plaintiff=plaintiff, defendant=defendant, hearing_id=held.id)


def _draft(db, h):
    version = transcripts.render_draft(h["hearing_id"])
    db.session.commit()
    return db.session.get(Transcript, version.transcript_id), version


def _sign(db, user, transcript, confirmed_hash=None):
    if signatures.current_signature(user) is None:
        signatures.save_signature(user, drawn_png())
    row = transcripts.confirm(transcript, user, face_session(user), confirmed_hash or transcript.current_draft.content_hash)
    db.session.commit()
    return row


def test_draft_has_case_number_messages_and_participants_in_extractable_chinese(db, hearing, tmp_path):
    _t, version = _draft(db, hearing)
    text = pdftotext(storage.read_bytes(version.file), tmp_path)
    assert hearing["case"].case_number in text
    for m in MESSAGES:
        assert m in text
    for name in ("王芳", "陈强", "张俊", "人脸识别核验", "证据交换笔录"):
        assert name in text
    assert version.verification_code in text and version.content_hash[:16] in text


def test_rendering_the_same_events_twice_gives_one_document(db, hearing):
    _t, first = _draft(db, hearing)
    _t, second = _draft(db, hearing)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(TranscriptVersion)) == 1
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1
    hid = hearing["hearing_id"]
    data1, h1 = transcripts.document_data(hearing["case"], transcripts.build(hearing["case"], hid))
    data2, h2 = transcripts.document_data(hearing["case"], transcripts.build(hearing["case"], hid))
    assert h1 == h2 == first.content_hash


def test_worker_killed_mid_render_leaves_nothing_and_rerun_files_one(db, hearing, monkeypatch):
    from app.services import pdf

    def killed(_data):
        raise SystemExit("worker killed")
    monkeypatch.setattr(pdf, "render_transcript", killed)
    with pytest.raises(SystemExit):
        transcripts.render_draft(hearing["hearing_id"])
    db.session.rollback()
    monkeypatch.undo()
    _draft(db, hearing)
    assert db.session.scalar(select(func.count()).select_from(TranscriptVersion)) == 1


def test_open_hearing_has_no_transcript_yet(db, make_user, make_case):
    judge = make_user("judge")
    case = make_case(court=judge.court)
    held = record_hearing(case, judge, [], close=False)
    db.session.commit()
    with pytest.raises(transcripts.HearingStillOpen):
        transcripts.render_draft(held.id)


def test_signers_are_texted_a_link_to_the_confirm_step(db, hearing):
    t, _v = _draft(db, hearing)
    msgs = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "transcript")).all()
    assert {m.phone for m in msgs} == {hearing["plaintiff"].phone, hearing["defendant"].phone}
    assert all("/l/" in m.body for m in msgs)


def test_everyone_confirming_files_a_signed_copy_with_their_names(db, hearing, tmp_path):
    t, draft = _draft(db, hearing)
    _sign(db, hearing["plaintiff"], t)
    assert t.state == "draft"
    _sign(db, hearing["defendant"], t)  # the last signature: the signed copy is rendered after commit
    db.session.expire_all()
    t = db.session.get(Transcript, t.id)
    assert t.state == "final"
    signed = t.signed_version
    assert signed.kind == "signed" and signed.file.case_id == hearing["case"].id
    text = pdftotext(storage.read_bytes(signed.file), tmp_path)
    assert "王芳（原告）" in text and "陈强（被告）" in text and "未签名" not in text
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == hearing["case"].id)).all()
    assert kinds.count("transcript_confirmed") == 2 and "transcript_filed" in kinds


def test_signing_a_stale_version_signs_nothing(db, hearing):
    t, draft = _draft(db, hearing)
    signatures.save_signature(hearing["plaintiff"], drawn_png())
    with pytest.raises(signatures.StaleVersion):
        transcripts.confirm(t, hearing["plaintiff"], face_session(hearing["plaintiff"]), "0" * 64)
    db.session.rollback()
    assert transcripts.answers_for(t, draft) == {}


def test_signing_without_fresh_face_check_is_refused(db, hearing):
    t, _draft_v = _draft(db, hearing)
    signatures.save_signature(hearing["plaintiff"], drawn_png())
    with pytest.raises(signatures.FaceCheckRequired):
        transcripts.confirm(t, hearing["plaintiff"], face_session(hearing["plaintiff"], fresh=False),
                            t.current_draft.content_hash)
    with pytest.raises(signatures.FaceCheckRequired):
        transcripts.confirm(t, hearing["plaintiff"], None, t.current_draft.content_hash)


def test_confirming_without_a_signature_asks_for_one(db, hearing):
    t, _v = _draft(db, hearing)
    with pytest.raises(signatures.NoSignature):
        transcripts.confirm(t, hearing["plaintiff"], face_session(hearing["plaintiff"]), t.current_draft.content_hash)


def test_outsider_is_not_a_signer(db, hearing, make_user):
    t, _v = _draft(db, hearing)
    outsider = make_user()
    signatures.save_signature(outsider, drawn_png())
    with pytest.raises(transcripts.NotASigner):
        transcripts.confirm(t, outsider, face_session(outsider), t.current_draft.content_hash)


def test_objection_after_the_other_signed_goes_back_and_addendum_needs_everyone_again(db, hearing, tmp_path):
    t, v1 = _draft(db, hearing)
    _sign(db, hearing["plaintiff"], t)
    transcripts.object_to(t, hearing["defendant"], v1.content_hash, "第二条发言时间记录有误。")
    db.session.commit()
    assert t.state == "objected"
    ev = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "transcript_objected")).one()
    assert ev.data["signed_before"] == [hearing["plaintiff"].id]
    transcripts.add_addendum(t, hearing["judge"], "更正：被告异议时间为4月2日。")
    db.session.commit()  # the new draft renders after the commit
    db.session.expire_all()
    t = db.session.get(Transcript, t.id)
    v2 = t.current_draft
    assert v2.id != v1.id and v2.number == 2 and t.state == "draft"
    assert [v.number for v in t.versions] == [1, 2]  # the earlier draft stays in the history
    assert "更正：被告异议时间为4月2日。" in pdftotext(storage.read_bytes(v2.file), tmp_path)
    # the plaintiff's signature was on version 1: they must confirm version 2 as well
    _sign(db, hearing["defendant"], t)
    assert db.session.get(Transcript, t.id).state == "draft"
    _sign(db, hearing["plaintiff"], t)
    db.session.expire_all()
    assert db.session.get(Transcript, t.id).state == "final"


def test_objection_after_everyone_signed_is_refused(db, hearing):
    t, v1 = _draft(db, hearing)
    _sign(db, hearing["plaintiff"], t)
    _sign(db, hearing["defendant"], t)
    t = db.session.get(Transcript, t.id)
    with pytest.raises(transcripts.TranscriptFinal):
        transcripts.object_to(t, hearing["plaintiff"], v1.content_hash, "太晚了")


def test_only_court_staff_add_addenda(db, hearing):
    t, _v = _draft(db, hearing)
    with pytest.raises(transcripts.NotAllowed):
        transcripts.add_addendum(t, hearing["plaintiff"], "我来改")


def test_signed_copy_keeps_the_signature_version_used(db, hearing):
    t, _v = _draft(db, hearing)
    first = signatures.save_signature(hearing["plaintiff"], drawn_png())
    _sign(db, hearing["plaintiff"], t)
    signatures.save_signature(hearing["plaintiff"], drawn_png(size=(400, 150)))  # redrawn afterwards
    _sign(db, hearing["defendant"], t)
    confirmation = [c for c in db.session.get(Transcript, t.id).confirmations if c.user_id == hearing["plaintiff"].id][0]
    assert confirmation.signature_application.signature_id == first.id


def test_transcript_entries_follow_event_kinds(db, make_user, make_case):
    from app.services import hearings
    judge = make_user("judge", name="张俊")
    p, d = make_user(name="王芳"), make_user(name="陈强")
    case = make_case(court=judge.court, filer=p, defendant=d)
    held = record_hearing(case, judge, [(p, "plaintiff"), (d, "defendant")],
                          messages=[(p, "plaintiff", MESSAGES[0]), (d, "defendant", MESSAGES[1])], close=False)
    day = (utcnow() + timedelta(days=10)).date()
    item = hearings.post_item(held, judge, "请提交合同原件。", parties=[case.parties[0]],
                              deadline=court_time.deadline_at(day))
    exhibit = hearings.add_evidence(held, p, FileStorage(io.BytesIO(PDF), filename="合同.pdf"))
    hearings.answer_item(item, p, "已提交。")
    record_hearing(case, judge, [], messages=[(judge, "judge", "另一场庭审")], close=False)  # not this one's
    db.session.commit()
    entries = transcripts.build(case, held.id)["entries"]
    kinds = [e["kind"] for e in entries]
    assert kinds == ["message", "message", "item", "evidence", "answer"]
    assert f"截止 {day.isoformat()} 24:00" in entries[2]["text"] and entries[3]["exhibit"] == exhibit.label
    assert "合同.pdf" in entries[3]["text"] and exhibit.file.sha256[:16] in entries[3]["text"]
    assert all("另一场庭审" not in e["text"] for e in entries)


def test_missing_font_fails_clearly_and_files_nothing(db, hearing, app):
    from app.services import pdf
    app.config["PDF_CJK_FONT"] = "/nonexistent/font.ttf"
    try:
        with pytest.raises(pdf.FontMissing, match="fonts-wqy-microhei"):
            transcripts.render_draft(hearing["hearing_id"])
    finally:
        app.config["PDF_CJK_FONT"] = None
        pdf.preload()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TranscriptVersion)) == 0


def test_cli_renders_the_latest_hearing_of_a_case(db, hearing, app, tmp_path):
    out = tmp_path / "t.pdf"
    result = app.test_cli_runner().invoke(args=["transcript", "render", hearing["case"].case_number, str(out)])
    assert result.exit_code == 0, result.output
    text = pdftotext(out.read_bytes(), tmp_path)
    assert hearing["case"].case_number in text and MESSAGES[0] in text
    missing = app.test_cli_runner().invoke(args=["transcript", "render", "(2026)无此案1号", str(out)])
    assert missing.exit_code == 2


def test_closing_a_real_hearing_renders_the_draft_for_its_parties(db, make_user, make_case, tmp_path):
    from app.services import hearings
    judge = make_user("judge", name="张俊")
    plaintiff, defendant = make_user(name="王芳"), make_user(name="陈强")
    case = make_case(court=judge.court, filer=plaintiff, defendant=defendant)
    case.judge_id = judge.id
    hearing = hearings.open_hearing(case, judge, purpose="talk", title="谈话")
    hearings.post_message(hearing, judge, "请双方确认欠款金额。")
    hearings.close_hearing(hearing, judge)
    db.session.commit()  # the draft job runs inline after this commit
    t = db.session.scalar(select(Transcript).where(Transcript.hearing_id == hearing.id))
    assert t is not None and t.case_id == case.id and t.current_draft is not None
    assert sorted(transcripts.signer_ids(t)) == sorted([plaintiff.id, defendant.id])
    text = pdftotext(storage.read_bytes(t.current_draft.file), tmp_path)
    assert "谈话笔录" in text and "请双方确认欠款金额。" in text
