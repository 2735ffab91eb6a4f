"""The filing state machine (网上立案): every allowed and forbidden transition, corrections, the notice."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.models import Case, CaseEvent, SmsMessage, StoredFile
from app.models.filing import AcceptanceNotice, CorrectionRequest, FilingAttachment, FilingVersion
from app.services import court_time
from app.services import filing
from app.services.errors import DeadlinePassed, InvalidState, NotAllowed
from app.services.id_numbers import check_char, is_valid

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
GOOD_ID = "11010519491231002X"
STATES = ("draft", "submitted", "needs_correction", "resubmitted", "accepted", "rejected", "withdrawn")


def upload(data=PDF, name="起诉状.pdf"):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def valid_id(prefix="31010119900307123"):
    return prefix + check_char(prefix)


def complete_draft(db, court, filer, kind="civil", application=True):
    case = filing.start_filing(filer, court, kind)
    filing.update_filing(case, filer, title="王芳诉陈强买卖合同纠纷", claims="支付货款160000元",
                         facts="2019年签订购销合同，被告未付款。", amount="160000")
    filing.add_party(case, filer, role=filing.other_role(kind), name="陈强", id_number=GOOD_ID,
                     phone="+86 138-0000-0002")
    for role in filing.required_roles(case):
        filing.add_attachment(case, filer, role=role, upload=upload(name=f"{role}.pdf"))
    if kind == "enforcement" and application:  # the enforceable instrument (执行依据) it rests on
        from app.services import enforcement
        enforcement.set_application(case, filer, instrument_kind="judgment", effective_on="2026-01-05",
                                    instrument_number="(2025)沪0117民初1号", amount="160000",
                                    instrument_upload=upload(name="judgment.pdf"), proof_upload=upload(name="proof.pdf"))
    db.session.commit()
    return case


def case_in(db, state, court, clerk, filer):
    """A filing brought to `state` through the service, the way people do."""
    case = complete_draft(db, court, filer)
    if state == "draft":
        return case
    filing.submit(case, filer)
    if state == "withdrawn":
        filing.withdraw(case, filer)
    elif state in ("needs_correction", "resubmitted"):
        att = filing.current_attachments(case)[0]
        filing.request_correction(case, clerk, [{"kind": "replace_file", "target": f"attachment:{att.id}",
                                                 "note": "起诉状未签名"}], days=3)
        if state == "resubmitted":
            filing.add_attachment(case, filer, role=att.role, upload=upload(name="signed.pdf"), replaces=att)
            filing.resubmit(case, filer)
    elif state == "accepted":
        filing.accept(case, clerk)
    elif state == "rejected":
        filing.reject(case, clerk, "不属于本院管辖")
    db.session.commit()
    assert case.state == state
    return case


# --------------------------------------------------------------------------- ID numbers

def test_id_number_check_digit():
    assert is_valid(GOOD_ID) and is_valid(GOOD_ID.lower())
    assert not is_valid("110105194912310021")        # wrong check character
    assert not is_valid("11010519491331002" + check_char("11010519491331002"))  # month 13
    assert not is_valid("1101051949123100")           # too short


# --------------------------------------------------------------------------- transitions

ALLOWED = {
    "submit": {"draft"},
    "request_correction": {"submitted"},  # art. 9: one complete notice, never a second
    "resubmit": {"needs_correction"},
    "accept": {"submitted", "resubmitted"},
    "reject": {"submitted", "resubmitted"},
    "withdraw": {"draft", "submitted", "needs_correction", "resubmitted"},
}


def _do(action, case, clerk, filer):
    if action == "submit":
        filing.submit(case, filer)
    elif action == "request_correction":
        filing.request_correction(case, clerk, [{"kind": "other", "target": "", "note": "补充说明"}], days=5)
    elif action == "resubmit":
        filing.resubmit(case, filer, responses={
            i.id: "已补充" for r in filing.corrections(case) for i in r.items})
    elif action == "accept":
        filing.accept(case, clerk)
    elif action == "reject":
        filing.reject(case, clerk, "理由")
    elif action == "withdraw":
        filing.withdraw(case, filer)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_every_transition_is_allowed_only_from_its_states(db, world, state, action):
    court, clerk, filer = world
    case = case_in(db, state, court, clerk, filer)
    if state in ALLOWED[action]:
        _do(action, case, clerk, filer)
        db.session.commit()
        assert case.state == filing.TRANSITIONS[action][1]
    else:
        with pytest.raises(InvalidState):
            _do(action, case, clerk, filer)
        db.session.rollback()
        assert db.session.get(Case, case.id).state == state


def test_only_the_filer_submits_and_only_court_staff_decide(db, world, make_user, make_court):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    other = make_user("litigant")
    with pytest.raises(NotAllowed):
        filing.submit(case, other)
    filing.submit(case, filer)
    other_court_clerk = make_user("clerk", court=make_court())
    for actor in (filer, other_court_clerk):
        with pytest.raises(NotAllowed):
            filing.accept(case, actor)
        with pytest.raises(NotAllowed):
            filing.reject(case, actor, "x")


def test_incomplete_filing_lists_every_problem(db, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    with pytest.raises(filing.FilingIncomplete) as exc:
        filing.submit(case, filer)
    texts = [msg for msg, _ in exc.value.problems]
    assert "Enter your claims." in texts and "Add at least one opposing party." in texts
    assert sum(t.startswith("Attach:") for t in texts) == 3
    assert case.state == "draft"


def test_lawyer_must_attach_power_of_attorney(db, world, make_user):
    court, clerk, _ = world
    lawyer = make_user("lawyer")
    case = filing.start_filing(lawyer, court, "enforcement")
    assert case.parties == []
    client = filing.add_party(case, lawyer, role="applicant", name="王芳", id_number=GOOD_ID)
    assert client.lawyer_id == lawyer.id
    assert "power_of_attorney" in filing.required_roles(case) and "application" in filing.required_roles(case)


def test_bad_id_number_and_landline_are_refused(db, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    with pytest.raises(filing.InvalidIdNumber):
        filing.add_party(case, filer, role="defendant", name="陈强", id_number="110105194912310021")
    with pytest.raises(filing.InvalidMobile):
        filing.add_party(case, filer, role="defendant", name="陈强", phone="021-63211234")
    db.session.rollback()
    assert [p.role for p in db.session.get(Case, case.id).parties] == ["plaintiff"]


def test_double_submit_is_refused_and_keeps_one_version(db, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    rev = case.revision
    filing.submit(case, filer, expect_revision=rev)
    db.session.commit()
    with pytest.raises(filing.AlreadySubmitted):
        filing.submit(case, filer, expect_revision=rev)
    db.session.rollback()
    assert len(filing.versions(case)) == 1


def test_stale_form_from_another_tab_is_refused(db, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    rev = case.revision
    filing.update_filing(case, filer, title="A", claims="", facts="", amount="", expect_revision=rev)
    with pytest.raises(filing.StaleForm):
        filing.update_filing(case, filer, title="B", claims="", facts="", amount="", expect_revision=rev)


def test_a_colleague_decided_first(db, world, make_user):
    court, clerk, filer = world
    case = case_in(db, "submitted", court, clerk, filer)
    colleague = make_user("judge", court=court)
    rev = case.revision
    filing.reject(case, colleague, "不符合起诉条件", expect_revision=rev)
    db.session.commit()
    with pytest.raises(filing.AlreadyDecided):
        filing.accept(case, clerk, expect_revision=rev)
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert case.state == "rejected" and case.case_number is None


# --------------------------------------------------------------------------- corrections

def test_correction_resubmit_keeps_history_and_diffs(db, world):
    court, clerk, filer = world
    case = case_in(db, "submitted", court, clerk, filer)
    complaint = filing.current_attachments(case)[0]
    req = filing.request_correction(case, clerk, [
        {"kind": "replace_file", "target": f"attachment:{complaint.id}", "note": "起诉状缺少签名"},
        {"kind": "edit_field", "target": "field:facts", "note": "写明合同签订时间"},
        {"kind": "add_file", "target": "role:evidence", "note": "补充送货单"},
        {"kind": "edit_field", "target": "field:claims", "note": ""},  # empty notes are not items
    ], days=3)
    db.session.commit()
    assert [i.position for i in req.items] == [1, 2, 3]
    assert case.registration_due_on is None
    deadline_local = req.deadline.astimezone(court_time.tz())
    assert (deadline_local.hour, deadline_local.minute) == (0, 0)
    assert deadline_local.date() == court_time.today() + timedelta(days=4)
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.phone == filer.phone)).all()
    assert len(sms) == 1 and "3" in sms[0].body and "24:00" in sms[0].body

    # Fixing only the file is not enough: item 2 is neither changed nor answered.
    filing.add_attachment(case, filer, role=complaint.role, upload=upload(name="签名版.pdf"), replaces=complaint)
    with pytest.raises(filing.ItemNotAddressed) as exc:
        filing.resubmit(case, filer)
    assert exc.value.params == {"n": 2}
    filing.update_filing(case, filer, title=case.title, claims=case.claims, facts=case.facts + "合同于2019年3月签订。",
                         amount=case.amount)
    filing.add_attachment(case, filer, role="evidence", upload=upload(PNG, "送货单.png"))
    version = filing.resubmit(case, filer, reply="已按要求补正")
    db.session.commit()

    assert case.state == "resubmitted" and version.number == 2 and version.reply == "已按要求补正"
    assert case.registration_due_on == court_time.today() + timedelta(days=7)
    assert req.state == "answered"
    v1, v2 = filing.versions(case)
    changes = filing.diff(v1.snapshot, v2.snapshot)
    kinds = {(c["what"], c.get("change") or c.get("field")) for c in changes}
    assert kinds == {("field", "facts"), ("attachment", "replaced"), ("attachment", "added")}
    # the replaced file is still stored, still listed in version 1
    assert db.session.get(FilingAttachment, complaint.id).superseded_at is not None
    assert complaint.id in {a["id"] for a in v1.snapshot["attachments"]}


def test_resubmit_after_deadline_is_refused(db, world):
    court, clerk, filer = world
    case = case_in(db, "needs_correction", court, clerk, filer)
    req = filing.open_correction(case)
    with pytest.raises(DeadlinePassed):
        filing.resubmit(case, filer, responses={req.items[0].id: "见附件"}, now=req.deadline)


def test_missed_correction_deadline_withdraws_by_default_once(db, world):
    court, clerk, filer = world
    case = case_in(db, "needs_correction", court, clerk, filer)
    later = filing.open_correction(case).deadline + timedelta(seconds=1)
    assert filing.expire_overdue_corrections(now=later - timedelta(seconds=2)) == []
    assert [c.id for c in filing.expire_overdue_corrections(now=later)] == [case.id]
    db.session.commit()
    assert filing.expire_overdue_corrections(now=later) == []
    case = db.session.get(Case, case.id)
    assert case.state == "withdrawn" and case.withdrawn_reason == "correction_deadline_missed"
    bodies = [m.body for m in db.session.scalars(select(SmsMessage).where(SmsMessage.phone == filer.phone).order_by(SmsMessage.id))]
    assert len(bodies) == 2 and ("撤回" in bodies[-1] or "withdrawn" in bodies[-1])


def test_withdrawn_filing_can_be_refiled_by_copying(db, world):
    court, clerk, filer = world
    case = case_in(db, "withdrawn", court, clerk, filer)
    new = filing.copy_filing(case, filer)
    db.session.commit()
    assert new.state == "draft" and new.copied_from_id == case.id and new.filing_ref != case.filing_ref
    assert [p.name for p in new.parties] == [p.name for p in case.parties]
    old_files = {a.stored.sha256 for a in filing.current_attachments(case)}
    new_atts = filing.current_attachments(new)
    assert {a.stored.sha256 for a in new_atts} == old_files
    assert all(a.stored.case_id == new.id for a in new_atts)
    filing.submit(new, filer)  # complete as it was


def test_clerk_uploads_what_came_by_post_for_the_party(db, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    pending = filing.add_attachment(case, filer, role="evidence_list", by_post=True, note="邮寄")
    assert pending.stored_file_id is None
    db.session.commit()
    with pytest.raises(NotAllowed):
        filing.clerk_upload(case, filer, pending, upload())
    new = filing.clerk_upload(case, clerk, pending, upload(name="证据目录.pdf"))
    db.session.commit()
    assert new.added_by_id == clerk.id and new.on_behalf_of.name == "王芳"
    assert new.stored.uploaded_by_id == clerk.id and new.stored.on_behalf_of_id == new.on_behalf_of_id
    ev = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "attachment_uploaded_by_clerk")).one()
    assert ev.actor_id == clerk.id and ev.data["on_behalf_of"] == "王芳"


# --------------------------------------------------------------------------- acceptance

def test_accept_numbers_the_case_makes_one_notice_and_invites_defendant(db, world):
    court, clerk, filer = world
    case = case_in(db, "accepted", court, clerk, filer)  # jobs run inline after the commit
    year = court_time.today().year
    assert case.case_number == f"({year})沪0115民初1号"
    notices = db.session.scalars(select(AcceptanceNotice)).all()
    assert len(notices) == 1
    stored = db.session.get(StoredFile, notices[0].stored_file_id)
    assert stored.case_id == case.id and stored.content_type == "application/pdf"
    assert filing.make_acceptance_notice(case.id) is None  # a rerun makes nothing new
    db.session.commit()
    assert db.session.scalar(select(AcceptanceNotice).where(AcceptanceNotice.case_id == case.id)).id == notices[0].id
    kinds = {m.kind: m for m in db.session.scalars(select(SmsMessage))}
    assert "/l/" in kinds["filing_accepted"].body and kinds["filing_accepted"].phone == filer.phone
    assert kinds["case_join_invite"].phone == "13800000002"


def test_enforcement_filing_needs_its_application(db, world):
    court, clerk, filer = world
    e = complete_draft(db, court, filer, kind="enforcement", application=False)
    assert [m for m, _ in filing.problems(e)] == [
        "Name the enforceable instrument and what is to be enforced (enforcement application)."]


def test_case_numbers_are_per_court_year_and_kind(db, world, make_user, make_court):
    court, clerk, filer = world
    a = case_in(db, "submitted", court, clerk, filer)
    b = case_in(db, "submitted", court, clerk, filer)
    e = complete_draft(db, court, filer, kind="enforcement")
    filing.submit(e, filer)
    for c in (a, b, e):
        filing.accept(c, clerk)
    db.session.commit()
    assert [a.case_number[6:], b.case_number[6:], e.case_number[6:]] == ["沪0115民初1号", "沪0115民初2号", "沪0115执1号"]


def test_defendant_joins_and_consents(db, world, make_user):
    court, clerk, filer = world
    case = case_in(db, "accepted", court, clerk, filer)
    defendant = db.session.scalar(select(filing.User).where(filing.User.phone == "13800000002"))
    stranger = make_user("litigant")
    assert filing.joinable_party(case, stranger) is None
    with pytest.raises(NotAllowed):
        filing.join_case(case, stranger, True, True)
    party = filing.join_case(case, defendant, online=True, e_service=False)
    db.session.commit()
    assert party.user_id == defendant.id and case.can_view(defendant)
    status = {r["party"].name: r for r in filing.online_status(case)}
    assert status["陈强"]["joined"] and status["陈强"]["online"] is True and status["陈强"]["paper"] is True
    assert status["王芳"]["paper"] is False


def test_versions_are_numbered_per_case(db, world):
    court, clerk, filer = world
    case = case_in(db, "resubmitted", court, clerk, filer)
    assert [v.number for v in db.session.scalars(select(FilingVersion).where(
        FilingVersion.case_id == case.id).order_by(FilingVersion.number))] == [1, 2]
    assert db.session.scalars(select(CorrectionRequest)).one().state == "answered"
