"""The litigant's and lawyer's side of online filing (/filings/...): the story, bad input, access."""
import io
import re

from sqlalchemy import select

from app.models import Case, Consent, SmsMessage, User
from app.models.filing import FilingAttachment, FilingVersion
from app.services import filing
from tests.services.test_filing import GOOD_ID, PDF, PNG, complete_draft


def _ref(resp):
    return re.search(r"/filings/(LA\d{4}-[A-Z2-7]{6})", resp.location).group(1)


def test_litigant_files_from_the_phone_and_submits(client, db, auth, world):
    court, clerk, filer = world
    auth.login(filer, face=True)
    resp = client.post("/filings/new", data={"court": court.id, "kind": "civil"})
    assert resp.status_code == 302
    ref = _ref(resp)
    case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
    rev = lambda: str(db.session.get(Case, case.id).revision)  # noqa: E731
    resp = client.post(f"/filings/{ref}/details", data={
        "revision": rev(), "kind": "civil", "title": "王芳诉陈强买卖合同纠纷", "claims": "支付货款", "facts": "未付款",
        "amount": "160,000"})
    assert resp.status_code == 302
    assert client.post(f"/filings/{ref}/parties", data={
        "revision": rev(), "role": "defendant", "name": "陈强", "id_number": GOOD_ID.lower(),
        "phone": "138 0000 0002"}).status_code == 302
    for role in ("complaint", "id_document"):
        resp = client.post(f"/filings/{ref}/attachments", content_type="multipart/form-data", data={
            "revision": rev(), "role": role, "file": (io.BytesIO(PDF), f"{role}.pdf")})
        assert resp.status_code == 302, resp.data
    resp = client.post(f"/filings/{ref}/attachments", data={"revision": rev(), "role": "evidence_list",
                                                           "by_post": "y", "note": "明日邮寄"})
    assert resp.status_code == 302
    page = client.get(f"/filings/{ref}").get_data(as_text=True)
    assert "陈强" in page and "complaint.pdf" in page
    resp = client.post(f"/filings/{ref}/submit", data={"revision": rev()})
    assert resp.status_code == 302
    case = db.session.get(Case, case.id)
    assert case.state == "submitted" and case.amount == 160000
    assert db.session.scalars(select(FilingVersion).where(FilingVersion.case_id == case.id)).one().number == 1
    page = client.get(f"/filings/{ref}").get_data(as_text=True)
    assert case.registration_due_on.isoformat() in page


def test_draft_continues_on_another_device(client, make_client, db, auth, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    filing.update_filing(case, filer, title="草稿标题", claims="", facts="", amount="")
    db.session.commit()
    phone2 = make_client()
    auth.login(filer, c=phone2)
    assert "草稿标题" in phone2.get(f"/filings/{case.filing_ref}").get_data(as_text=True)


def test_outsider_cannot_see_a_filing_or_its_files(client, db, auth, world, make_user):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    att = filing.current_attachments(case)[0]
    auth.login(make_user("litigant"))
    assert client.get(f"/filings/{case.filing_ref}").status_code == 404
    assert client.get(f"/filings/{case.filing_ref}/files/{att.id}").status_code == 404
    assert client.post(f"/filings/{case.filing_ref}/submit", data={"revision": case.revision}).status_code == 404
    assert client.get("/filings/LA2026-NOSUCH").status_code == 404


def test_files_are_served_as_attachments_with_original_bytes(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    att = filing.current_attachments(case)[0]
    auth.login(filer)
    resp = client.get(f"/filings/{case.filing_ref}/files/{att.id}")
    assert resp.status_code == 200 and resp.data == PDF
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert att.stored.storage_key not in att.stored.original_name


def test_wrong_file_type_is_refused_with_a_message(client, db, auth, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    auth.login(filer)
    resp = client.post(f"/filings/{case.filing_ref}/attachments", content_type="multipart/form-data", data={
        "revision": case.revision, "role": "complaint", "file": (io.BytesIO(b"MZ\x90\x00\x03" + b"\x00" * 100), "a.pdf")})
    assert resp.status_code == 400
    assert "不接受此类文件" in resp.get_data(as_text=True) or "not accepted" in resp.get_data(as_text=True)
    assert db.session.scalars(select(FilingAttachment)).all() == []


def test_file_over_the_limit_is_refused(client, app, db, auth, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    auth.login(filer)
    app.config["FILING_UPLOAD_MB"] = 1
    try:
        resp = client.post(f"/filings/{case.filing_ref}/attachments", content_type="multipart/form-data", data={
            "revision": case.revision, "role": "evidence",
            "file": (io.BytesIO(PDF + b"0" * (1024 * 1024 + 1)), "big.pdf")})
    finally:
        app.config["FILING_UPLOAD_MB"] = 20
    assert resp.status_code == 413 and "1 MB" in resp.get_data(as_text=True)
    assert db.session.scalars(select(FilingAttachment)).all() == []


def test_bad_id_number_and_landline_get_field_messages(client, db, auth, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    auth.login(filer)
    resp = client.post(f"/filings/{case.filing_ref}/parties", data={
        "revision": case.revision, "role": "defendant", "name": "陈强", "id_number": GOOD_ID[:-1] + "1"})
    assert resp.status_code == 400 and ("身份证号码" in resp.get_data(as_text=True) or "ID number" in resp.get_data(as_text=True))
    resp = client.post(f"/filings/{case.filing_ref}/parties", data={
        "revision": case.revision, "role": "defendant", "name": "陈强", "phone": "021-63211234"})
    assert resp.status_code == 400
    resp = client.post(f"/filings/{case.filing_ref}/parties", data={"revision": case.revision, "role": "defendant",
                                                                  "name": ""})
    assert resp.status_code == 400
    assert len(db.session.get(Case, case.id).parties) == 1


def test_empty_filing_cannot_be_submitted_and_says_why(client, db, auth, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    auth.login(filer, face=True)
    resp = client.post(f"/filings/{case.filing_ref}/submit", data={"revision": case.revision})
    page = client.get(resp.location).get_data(as_text=True)
    assert db.session.get(Case, case.id).state == "draft"
    assert page.count('class="flash error"') >= 5


def test_double_submission_keeps_one_version(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    auth.login(filer, face=True)
    data = {"revision": case.revision}
    assert client.post(f"/filings/{case.filing_ref}/submit", data=dict(data)).status_code == 302
    resp = client.post(f"/filings/{case.filing_ref}/submit", data=dict(data))
    assert resp.status_code == 302
    text = client.get(resp.location).get_data(as_text=True)
    assert "已经提交" in text or "already been submitted" in text
    assert len(db.session.scalars(select(FilingVersion)).all()) == 1


def test_stale_tab_cannot_overwrite_newer_details(client, db, auth, world):
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    auth.login(filer)
    old = case.revision
    form = {"revision": old, "kind": "civil", "title": "第一个标签页", "claims": "", "facts": "", "amount": ""}
    client.post(f"/filings/{case.filing_ref}/details", data=form)
    client.post(f"/filings/{case.filing_ref}/details", data={**form, "title": "第二个标签页"})
    assert db.session.get(Case, case.id).title == "第一个标签页"


def test_submit_needs_a_fresh_face_check(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    auth.login(filer, face=False)
    resp = client.post(f"/filings/{case.filing_ref}/submit", data={"revision": case.revision})
    assert resp.status_code == 302 and "next=" in resp.location
    assert db.session.get(Case, case.id).state == "draft"


def test_correction_story_from_the_filers_side(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    filing.submit(case, filer)
    complaint = filing.current_attachments(case)[0]
    filing.request_correction(case, clerk, [
        {"kind": "replace_file", "target": f"attachment:{complaint.id}", "note": "起诉状未签名"},
        {"kind": "add_file", "target": "role:evidence", "note": "补充送货单照片"}], days=2)
    db.session.commit()
    auth.login(filer, face=True)
    page = client.get(f"/filings/{case.filing_ref}").get_data(as_text=True)
    assert "起诉状未签名" in page and "补充送货单照片" in page and "24:00" in page
    rev = lambda: db.session.get(Case, case.id).revision  # noqa: E731
    client.post(f"/filings/{case.filing_ref}/attachments", content_type="multipart/form-data", data={
        "revision": rev(), "role": "complaint", "replaces": str(complaint.id), "file": (io.BytesIO(PDF), "签名.pdf")})
    client.post(f"/filings/{case.filing_ref}/attachments", content_type="multipart/form-data", data={
        "revision": rev(), "role": "evidence", "file": (io.BytesIO(PNG), "送货单.png")})
    resp = client.post(f"/filings/{case.filing_ref}/resubmit", data={"revision": rev(), "reply": "已补正"})
    assert resp.status_code == 302
    case = db.session.get(Case, case.id)
    assert case.state == "resubmitted"
    assert len(filing.versions(case)) == 2 and len(filing.all_attachments(case)) == 5


def test_missed_deadline_notice_and_refile_by_copy(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    filing.submit(case, filer)
    filing.request_correction(case, clerk, [{"kind": "other", "target": "", "note": "说明"}], days=1)
    db.session.commit()
    filing.expire_overdue_corrections(now=filing.open_correction(case).deadline)
    db.session.commit()
    auth.login(filer)
    page = client.get(f"/filings/{case.filing_ref}").get_data(as_text=True)
    assert "copy" in page
    resp = client.post(f"/filings/{case.filing_ref}/copy", data={})
    assert resp.status_code == 302
    new = db.session.scalar(select(Case).where(Case.copied_from_id == case.id))
    assert new.state == "draft" and new.filing_ref in resp.location


def test_defendant_joins_by_sms_link_and_consents(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    filing.submit(case, filer)
    filing.accept(case, clerk)
    db.session.commit()
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "case_join_invite")).one()
    path = re.search(r"(/l/\S+)", sms.body).group(1)
    assert client.get(path).status_code == 200
    resp = client.post(path)
    assert resp.location.endswith(f"/filings/{case.filing_ref}/join")
    assert client.get(resp.location).status_code == 200
    # The link is not a face check: the join POST asks for one first.
    resp = client.post(f"/filings/{case.filing_ref}/join", data={"online": "yes", "e_service": "no"})
    assert resp.status_code == 302 and "next=" in resp.location
    defendant = db.session.scalar(select(User).where(User.phone == "13800000002"))
    auth.login(defendant, face=True)
    resp = client.post(f"/filings/{case.filing_ref}/join", data={"online": "yes", "e_service": "no"})
    assert resp.status_code == 302
    answers = {(c.scope, c.given) for c in db.session.scalars(select(Consent))}
    assert answers == {("online_litigation", True), ("e_service", False)}
    assert client.get(f"/filings/{case.filing_ref}").status_code == 200


def test_notice_page_and_public_verification_show_no_personal_data(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    filing.submit(case, filer)
    filing.accept(case, clerk)
    db.session.commit()
    notice = filing.notice_for(case)
    resp = client.get(f"/verify/{notice.verification_code}")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and case.case_number in text and notice.stored.sha256 in text
    assert "王芳" not in text and "陈强" not in text and filer.phone not in text
    assert client.get("/verify/NOSUCHCODE").status_code == 404
    auth.login(filer)
    assert case.case_number in client.get(f"/filings/{case.filing_ref}/notice").get_data(as_text=True)
    resp = client.get(f"/filings/{case.filing_ref}/notice.pdf")
    assert resp.data.startswith(b"%PDF") and resp.headers["Content-Disposition"].startswith("attachment")
