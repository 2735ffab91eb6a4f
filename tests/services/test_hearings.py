"""The hearing thread's rules: opening, messages, the item state machine, deadlines, evidence, async trial."""
import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.models import CaseEvent, SmsMessage, utcnow
from app.models.hearing import DeadlineChange, Evidence, Message
from app.services import court_time
from app.services import consent as consent_service
from app.services import hearings as svc
from app.models import CaseParty
from app.services.errors import InvalidState, NotAllowed


def build_room(db, make_user, make_case, make_court, purpose="evidence_exchange", mode="async", consent=True,
               with_lawyer=True):
    """A hearing on an accepted case: judge, clerk, plaintiff (with lawyer), defendant, an outsider."""
    court = make_court()
    judge = make_user("judge", court=court, name="张俊")
    clerk = make_user("clerk", court=court, name="李敏")
    plaintiff = make_user("litigant", name="王芳")
    defendant = make_user("litigant", name="陈强")
    lawyer = make_user("lawyer", name="刘洋")
    outsider = make_user("litigant", name="赵六")
    case = make_case(court=court, filer=plaintiff, defendant=defendant)
    case.judge_id = judge.id
    if with_lawyer:
        case.parties[0].lawyer_id = lawyer.id
    db.session.commit()
    hearing = svc.open_hearing(case, judge, purpose=purpose, mode=mode, title="证据交换", clerks=[clerk])
    if consent:
        for party in case.parties:
            consent_service.record_consent(case, party, purpose, True, party.user)
    db.session.commit()
    return SimpleNamespace(case=case, hearing=hearing, judge=judge, clerk=clerk, plaintiff=plaintiff,
                           defendant=defendant, lawyer=lawyer, outsider=outsider, court=court,
                           p_party=case.parties[0], d_party=case.parties[1])


@pytest.fixture
def room(db, make_user, make_case, make_court):
    return build_room(db, make_user, make_case, make_court)


def png_bytes(gps=False, size=(60, 40)):
    from PIL import Image
    im = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: rotate 90° when shown
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 29.0, 0.0)}  # GPS IFD
        im.save(out, "JPEG", exif=exif)
    else:
        im.save(out, "PNG")
    return out.getvalue()


def upload(data, name="photo.jpg"):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def kinds(db, case):
    return [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                                .order_by(CaseEvent.seq))]


def test_opening_a_hearing_moves_the_case_to_hearing_and_records_participants(db, room):
    assert room.case.state == "hearing"
    roles = {p.name: p.role for p in room.hearing.participants}
    assert roles == {"张俊": "judge", "李敏": "clerk", "王芳": "plaintiff", "刘洋": "lawyer", "陈强": "defendant"}
    events = kinds(db, room.case)
    assert "hearing_opened" in events and events.count("participant_added") == 5
    opened = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "hearing_opened"))
    assert opened.data == {"hearing_id": room.hearing.id, "purpose": "evidence_exchange", "mode": "async",
                           "title": "证据交换"}


def test_hearing_needs_an_accepted_case(db, make_user, make_case, make_court):
    court = make_court()
    judge = make_user("judge", court=court)
    case = make_case(court=court, state="submitted", number=False)
    with pytest.raises(svc.CaseNotAccepted):
        svc.open_hearing(case, judge, purpose="mediation")


def test_staff_of_another_court_cannot_open_a_hearing(db, make_user, make_case, make_court):
    case = make_case()
    with pytest.raises(NotAllowed):
        svc.open_hearing(case, make_user("judge"), purpose="mediation")


def test_async_trial_cannot_be_opened_without_its_conditions(db, make_user, make_case, make_court):
    court = make_court()
    case = make_case(court=court)
    with pytest.raises(svc.AsyncTrialNotAllowed):
        svc.open_hearing(case, make_user("judge", court=court), purpose="trial", mode="async")


def test_message_is_recorded_as_event_and_double_post_creates_one(db, room):
    m1 = svc.post_message(room.hearing, room.plaintiff, "  你好，<b>法官</b>  ", key="k1")
    m2 = svc.post_message(room.hearing, room.plaintiff, "你好，<b>法官</b>", key="k1")
    db.session.commit()
    assert m1.id == m2.id and m1.text == "你好，<b>法官</b>"
    assert db.session.query(Message).filter_by(kind="text").count() == 1
    ev = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "message_posted"))
    assert ev.data["message_id"] == m1.id and ev.data["author_role"] == "plaintiff"
    assert ev.data["reply_to_message_id"] is None and ev.data["evidence_ids"] == []


def test_same_key_from_two_people_is_two_messages(db, room):
    svc.post_message(room.hearing, room.plaintiff, "a", key="same")
    svc.post_message(room.hearing, room.defendant, "b", key="same")
    assert db.session.query(Message).filter_by(kind="text").count() == 2


def test_too_long_and_empty_messages_are_refused(db, room):
    with pytest.raises(svc.MessageTooLong):
        svc.post_message(room.hearing, room.plaintiff, "字" * 100_000)
    with pytest.raises(svc.EmptyMessage):
        svc.post_message(room.hearing, room.plaintiff, "   ")


def test_posting_to_a_closed_hearing_is_refused(db, room):
    svc.close_hearing(room.hearing, room.judge)
    assert db.session.info["pending_jobs"][-1]["func"] == "jobs.documents.render_transcript_draft"
    db.session.commit()
    with pytest.raises(svc.HearingClosed):
        svc.post_message(room.hearing, room.plaintiff, "还在吗")
    assert "hearing_closed" in kinds(db, room.case)


def test_party_without_consent_cannot_post(db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court, consent=False)
    with pytest.raises(svc.ConsentMissing):
        svc.post_message(r.hearing, r.defendant, "hello")
    with pytest.raises(NotAllowed):
        svc.post_message(r.hearing, r.outsider, "hello")


def test_withdrawn_consent_blocks_posting_and_the_judge_moves_the_stage_live(db, room):
    """#18 / art. 5: a withdrawal of consent is reviewed by the court before it takes effect."""
    svc.withdraw_consent(room.hearing, room.defendant, "网络不稳定")
    with pytest.raises(svc.WithdrawalPending):
        svc.withdraw_consent(room.hearing, room.defendant, "再次申请")
    svc.post_message(room.hearing, room.defendant, "still online until the judge decides")
    with pytest.raises(NotAllowed):
        svc.decide_consent_withdrawal(room.hearing, room.defendant, room.d_party, "evidence_exchange", True, "自己批准")
    svc.decide_consent_withdrawal(room.hearing, room.judge, room.d_party, "evidence_exchange", True, "理由正当，转线下")
    with pytest.raises(svc.ConsentMissing):
        svc.post_message(room.hearing, room.defendant, "hello")
    svc.set_mode(room.hearing, room.judge, "sync")
    notes = [m.data["what"] for m in db.session.scalars(select(Message).where(Message.kind == "system"))]
    assert notes == ["consent_withdrawal_requested", "consent_withdrawn", "mode_sync"]


def test_a_refused_withdrawal_keeps_consent_and_async_trial_consent_can_be_withdrawn(db, room, make_user, make_case,
                                                                                    make_court):
    svc.withdraw_consent(room.hearing, room.plaintiff, "想拖一拖")
    svc.decide_consent_withdrawal(room.hearing, room.judge, room.p_party, "evidence_exchange", False, "临近开庭，拖延诉讼")
    assert consent_service.has_consent(room.case, room.p_party, "evidence_exchange")
    assert svc.pending_withdrawals(room.case) == []
    r = build_room(db, make_user, make_case, make_court, purpose="trial", mode="sync")
    svc.consent_async_trial(r.hearing, r.defendant)
    svc.withdraw_consent(r.hearing, r.defendant, "希望当庭审理", scope="async_trial")
    assert [(h.id, p.id) for h, p, _e in svc.pending_withdrawals(r.case)] == [(r.hearing.id, r.d_party.id)]
    svc.decide_consent_withdrawal(r.hearing, r.judge, r.d_party, "async_trial", True, "准许")
    assert not consent_service.has_consent(r.case, r.d_party, "async_trial")


def test_reply_must_point_into_the_same_hearing(db, make_user, make_case, make_court, room):
    other = build_room(db, make_user, make_case, make_court)
    foreign = svc.post_message(other.hearing, other.plaintiff, "elsewhere")
    with pytest.raises(NotAllowed):
        svc.post_message(room.hearing, room.plaintiff, "re", reply_to_id=foreign.id)


def test_item_state_machine_answer_late_close(db, room):
    deadline = utcnow() + timedelta(days=2)
    item = svc.post_item(room.hearing, room.judge, "请提交供货单据", parties=[room.d_party], deadline=deadline, key="i1")
    db.session.commit()
    assert item.state == "open" and item.message_id is not None
    # The SMS opens exactly that item, through a one-time link.
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.phone == room.defendant.phone)).all()
    assert len(sms) == 1 and "/l/" in sms[0].body and court_time.format_deadline(deadline) in sms[0].body
    from app.models import ActionLink
    link = db.session.scalar(select(ActionLink).where(ActionLink.user_id == room.defendant.id))
    assert link.target == f"/cases/{room.case.id}/hearings/{room.hearing.id}/items/{item.id}"
    with pytest.raises(svc.NotAddressed):
        svc.answer_item(item, room.plaintiff, "not mine")
    late = svc.answer_item(item, room.defendant, "已提交", key="a1", now=deadline + timedelta(minutes=1))
    assert late.late and item.addressees[0].late and item.addressees[0].answer_message_id == late.id
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "item_answered"))
    assert event.data["late"] is True and event.data["message_id"] == late.id
    svc.close_item(item, room.judge)
    with pytest.raises(svc.ItemClosed):
        svc.answer_item(item, room.defendant, "again")
    assert kinds(db, room.case)[-1] == "item_closed"


def test_item_deadline_must_be_in_the_future_and_have_addressees(db, room):
    with pytest.raises(svc.BadDeadline):
        svc.post_item(room.hearing, room.judge, "q", parties=[room.d_party], deadline=utcnow() - timedelta(hours=1))
    with pytest.raises(svc.NoAddressees):
        svc.post_item(room.hearing, room.judge, "q", parties=[], deadline=utcnow() + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        svc.post_item(room.hearing, room.plaintiff, "q", parties=[room.d_party], deadline=utcnow() + timedelta(hours=5))


def test_lawyer_answers_for_the_client(db, room):
    item = svc.post_item(room.hearing, room.judge, "q", parties=[room.p_party], deadline=utcnow() + timedelta(days=1))
    phones = set(db.session.scalars(select(SmsMessage.phone)))
    assert {room.plaintiff.phone, room.lawyer.phone} <= phones
    svc.answer_item(item, room.lawyer, "代理人回复")
    assert item.addressees[0].answered_at is not None


def test_extension_granted_keeps_old_deadline_and_notifies_everyone_concerned(db, room):
    d1 = utcnow() + timedelta(days=1)
    item = svc.post_item(room.hearing, room.judge, "q", parties=[room.p_party, room.d_party], deadline=d1)
    db.session.commit()
    before = db.session.query(SmsMessage).count()
    req = svc.request_extension(item, room.defendant, "单据在外地，需要时间")
    d2 = court_time.deadline_at(date.today() + timedelta(days=7))
    svc.decide_extension(req, room.judge, True, d2)
    db.session.commit()
    assert item.deadline == d2 and req.state == "granted"
    change = db.session.scalar(select(DeadlineChange))
    assert change.old_deadline == d1 and change.new_deadline == d2
    # plaintiff, lawyer and defendant are all told of the new deadline
    assert db.session.query(SmsMessage).count() - before == 3
    ev = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "deadline_extended"))
    assert ev.data["old_deadline"] == d1.isoformat() and ev.data["reason"] == "单据在外地，需要时间"
    with pytest.raises(InvalidState):
        svc.decide_extension(req, room.judge, False)


def test_extension_refused_is_recorded_and_the_requester_told(db, room):
    item = svc.post_item(room.hearing, room.judge, "q", parties=[room.d_party], deadline=utcnow() + timedelta(days=1))
    req = svc.request_extension(item, room.defendant, "忙")
    svc.decide_extension(req, room.judge, False)
    assert req.state == "refused" and "extension_refused" in kinds(db, room.case)
    last = db.session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc())).first()
    assert last.phone == room.defendant.phone and last.kind == "hearing_deadline"


def test_deadline_is_shown_as_an_explicit_moment(app):
    with app.app_context():
        end_of_day = court_time.deadline_at(date(2026, 11, 25), "24:00")
        assert end_of_day.utcoffset() is not None
        assert court_time.format_deadline(end_of_day) == "2026-11-25 24:00"
        assert court_time.format_deadline(court_time.deadline_at(date(2026, 11, 25), "18:00")) == "2026-11-25 18:00"


def test_evidence_gets_exhibit_numbers_per_case_and_keeps_original_hash(db, room):
    import hashlib
    data = png_bytes()
    m = svc.post_message(room.hearing, room.plaintiff, "", files=[upload(data, "a.png"), upload(png_bytes(), "b.png")])
    second = svc.post_message(room.hearing, room.defendant, "反证", files=[upload(b"%PDF-1.4 test", "c.pdf")])
    db.session.commit()
    nos = [e.exhibit_no for e in db.session.scalars(select(Evidence).order_by(Evidence.id))]
    assert nos == [1, 2, 3]
    assert m.evidence[0].file.sha256 == hashlib.sha256(data).hexdigest()
    ev = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "evidence_added")).all()
    assert [e.data["exhibit"] for e in ev] == ["证据1", "证据2", "证据3"]
    posted = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "message_posted")).all()
    assert posted[1].data["exhibits"] == ["证据3"] and posted[1].data["message_id"] == second.id


def test_thumbnail_is_transposed_and_stripped_while_the_original_is_untouched(db, room):
    from PIL import Image
    from app.services import storage
    data = png_bytes(gps=True, size=(60, 40))
    msg = svc.post_message(room.hearing, room.plaintiff, "现场照片", files=[upload(data)])
    db.session.commit()  # jobs run inline after the commit
    ev = db.session.get(Evidence, msg.evidence[0].id)
    db.session.refresh(ev)
    assert ev.thumbnail_file_id is not None
    thumb = Image.open(io.BytesIO(storage.read_bytes(ev.thumbnail)))
    assert thumb.size == (40, 60)  # orientation 6 applied
    assert len(thumb.getexif()) == 0 and "exif" not in thumb.info
    assert storage.read_bytes(ev.file) == data
    original = Image.open(io.BytesIO(data)).getexif()
    assert 0x8825 in original  # GPS kept in the original bytes
    again = svc.make_thumbnail(ev.id)  # a second run does nothing
    assert again.thumbnail_file_id == ev.thumbnail_file_id


def test_async_trial_needs_every_condition(db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court, purpose="trial", mode="sync")
    with pytest.raises(svc.AsyncTrialNotAllowed):
        svc.enable_async_trial(r.hearing, r.judge)
    svc.record_procedure(r.hearing, r.judge, "ordinary")
    svc.apply_async_trial(r.hearing, r.plaintiff, "申请不开庭审理")
    assert set(svc.async_trial_missing(r.hearing)) == {
        "the case must be in the small-claims or simplified procedure", "every party's consent",
        "the finding that being online at the same time is truly difficult",
        "the judge's finding that the main facts are not in dispute"}
    svc.record_procedure(r.hearing, r.judge, "small_claims")
    assert r.case.procedure == "small_claims"  # the case's own procedure, not the hearing's
    svc.record_condition_one(r.hearing, r.judge, "原告在外地务工，双方难以同时在线")
    svc.consent_async_trial(r.hearing, r.defendant)
    with pytest.raises(svc.NoEvidenceExchangeYet):  # #18: only after an online evidence exchange or inquiry
        svc.confirm_facts_undisputed(r.hearing, r.judge)
    svc.open_hearing(r.case, r.judge, purpose="evidence_exchange", mode="async")
    svc.confirm_facts_undisputed(r.hearing, r.judge)
    assert svc.async_trial_missing(r.hearing) == []
    with pytest.raises(NotAllowed):
        svc.enable_async_trial(r.hearing, r.plaintiff)
    svc.enable_async_trial(r.hearing, r.judge)
    assert r.hearing.mode == "async"
    # Consent to evidence exchange is not consent to the trial; each party's video statement per stage.
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
    ev = svc.submit_video_statement(r.hearing, r.defendant, "claims", upload(video, "s.mp4"))
    assert ev.kind == "video_statement" and ev.trial_stage == "claims"
    assert "async_trial_enabled" in kinds(db, r.case)


def test_thread_page_is_keyset_paginated_newest_last(db, room, app):
    for i in range(7):
        svc.post_message(room.hearing, room.plaintiff, f"m{i}")
    page, earlier = svc.thread_page(room.hearing, size=3)
    assert [m.text for m in page] == ["m4", "m5", "m6"] and earlier
    page2, earlier2 = svc.thread_page(room.hearing, size=3, before=page[0].id)
    assert [m.text for m in page2] == ["m1", "m2", "m3"] and earlier2
    found, _ = svc.thread_page(room.hearing, query="m5")
    assert [m.text for m in found] == ["m5"]
    assert [m.text for m in svc.messages_after(room.hearing, page[1].id)] == ["m6"]


# --------------------------------------------------------------------------- #18: the async trial among all parties

def test_async_trial_consent_is_asked_of_every_party_of_the_case_not_only_the_room(db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court, purpose="evidence_exchange", mode="async")
    third = CaseParty(case_id=r.case.id, role="third_party", name="第三人某某")  # no account, not in any room
    db.session.add(third)
    db.session.commit()
    trial = svc.open_hearing(r.case, r.judge, purpose="trial", mode="sync", parties=[r.p_party])
    svc.record_procedure(trial, r.judge, "simplified")
    svc.record_condition_one(trial, r.judge, "当事人分处两地")
    svc.apply_async_trial(trial, r.plaintiff, "申请")
    svc.confirm_facts_undisputed(trial, r.judge)
    assert svc.async_trial_missing(trial) == ["every party's consent"]  # the defendant and the third party
    consent_service.record_consent(r.case, r.d_party, "async_trial", True, r.defendant)
    assert svc.async_trial_missing(trial) == ["every party's consent"]  # still the third party
    consent_service.record_consent(r.case, third, "async_trial", True, r.clerk, how="clerk_recorded")
    assert svc.async_trial_missing(trial) == []


def test_no_async_trial_in_enforcement_and_no_small_claims_outside_civil_cases(db, make_user, make_case, make_court):
    from app.services import lifecycle
    court = make_court()
    judge = make_user("judge", court=court)
    enforcement = make_case(court=court, kind="enforcement")
    administrative = make_case(court=court, kind="administrative")
    for case, procedure in ((enforcement, "simplified"), (administrative, "small_claims")):
        with pytest.raises(lifecycle.ProcedureNotAllowed):
            lifecycle.set_procedure(case, judge, procedure)
    lifecycle.set_procedure(administrative, judge, "simplified")  # the simplified procedure exists for both
    assert administrative.procedure == "simplified"
    hearing = svc.open_hearing(enforcement, judge, purpose="trial", mode="sync")
    assert "an enforcement case is never tried asynchronously" in svc.async_trial_missing(hearing)
