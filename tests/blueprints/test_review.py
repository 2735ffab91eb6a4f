"""The court's side of filing review (/review/...): queue, decisions, diffs, access."""
import io
import re
import threading

import pytest
from sqlalchemy import select

from app.models import Case, SmsMessage
from app.models.filing import CorrectionRequest
from app.services import filing
from tests.services.test_filing import PDF, complete_draft


def submitted(db, court, filer, kind="civil"):
    case = complete_draft(db, court, filer, kind=kind)
    filing.submit(case, filer)
    db.session.commit()
    return case


def test_queue_is_oldest_first_and_only_this_court(client, db, auth, world, make_court, make_user):
    court, clerk, filer = world
    first, second = submitted(db, court, filer), submitted(db, court, filer, kind="enforcement")
    elsewhere = submitted(db, make_court(), filer)
    complete_draft(db, court, filer)  # a draft is not the court's business yet
    auth.login(clerk)
    page = client.get("/review/").get_data(as_text=True)
    assert page.index(first.filing_ref) < page.index(second.filing_ref)
    assert elsewhere.filing_ref not in page
    only = client.get("/review/?kind=enforcement").get_data(as_text=True)
    assert second.filing_ref in only and first.filing_ref not in only
    assert first.filing_ref not in client.get("/review/?days=3").get_data(as_text=True)


def test_queue_filter_answers_a_fragment_to_htmx(htmx, db, auth, world):
    court, clerk, filer = world
    case = submitted(db, court, filer)
    auth.login(clerk)
    resp = htmx.get("/review/?state=submitted")
    text = resp.get_data(as_text=True)
    assert text.startswith('<div id="queue">') and case.filing_ref in text and "<html" not in text


def test_clerk_of_another_court_and_litigants_get_404(client, db, auth, world, make_user, make_court):
    court, clerk, filer = world
    case = submitted(db, court, filer)
    auth.login(make_user("clerk", court=make_court()))
    assert client.get(f"/review/{case.filing_ref}").status_code == 404
    assert client.post(f"/review/{case.filing_ref}/accept", data={"revision": case.revision}).status_code == 404
    auth.login(filer)
    assert client.get("/review/").status_code == 404
    assert client.post(f"/review/{case.filing_ref}/accept", data={"revision": case.revision}).status_code == 404
    assert db.session.get(Case, case.id).state == "submitted"


def test_clerk_cannot_see_a_draft(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    auth.login(clerk)
    assert client.get(f"/review/{case.filing_ref}").status_code == 404
    att = filing.current_attachments(case)[0]
    assert client.get(f"/filings/{case.filing_ref}/files/{att.id}").status_code == 404


def test_clerk_views_attachments_in_the_browser(client, db, auth, world):
    court, clerk, filer = world
    case = submitted(db, court, filer)
    auth.login(clerk)
    page = client.get(f"/review/{case.filing_ref}").get_data(as_text=True)
    att = filing.current_attachments(case)[0]
    assert f"/filings/{case.filing_ref}/files/{att.id}" in page
    assert client.get(f"/filings/{case.filing_ref}/files/{att.id}").data == PDF


def test_itemised_correction_request_and_diff_of_the_resubmission(client, db, auth, world):
    court, clerk, filer = world
    case = submitted(db, court, filer)
    complaint = filing.current_attachments(case)[0]
    auth.login(clerk)
    resp = client.post(f"/review/{case.filing_ref}/correction", data={
        "revision": case.revision, "days": "3", f"note-attachment:{complaint.id}": "起诉状未签名",
        "note-field:facts": "写明签约时间", "other-1": "提交营业执照"})
    assert resp.status_code == 302
    req = db.session.scalars(select(CorrectionRequest)).one()
    assert [(i.kind, i.note) for i in req.items] == [
        ("edit_field", "写明签约时间"), ("replace_file", "起诉状未签名"), ("other", "提交营业执照")]
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "filing_correction")).one()
    assert sms.phone == filer.phone
    # the filer fixes it
    case = db.session.get(Case, case.id)
    filing.add_attachment(case, filer, role="complaint", upload=_file(), replaces=complaint)
    filing.update_filing(case, filer, title=case.title, claims=case.claims, facts="2019年3月签约，" + case.facts,
                         amount=case.amount)
    filing.resubmit(case, filer, responses={req.items[2].id: "营业执照随后邮寄"})
    db.session.commit()
    page = client.get(f"/review/{case.filing_ref}").get_data(as_text=True)
    assert "<ins>2019年3月签约，" in page and "<del>complaint.pdf</del>" in page and "营业执照随后邮寄" in page


def _file(data=PDF, name="signed.pdf"):
    from werkzeug.datastructures import FileStorage
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_correction_without_items_is_refused(client, db, auth, world):
    court, clerk, filer = world
    case = submitted(db, court, filer)
    auth.login(clerk)
    resp = client.post(f"/review/{case.filing_ref}/correction", data={"revision": case.revision, "days": "3"})
    assert resp.status_code == 400
    assert db.session.get(Case, case.id).state == "submitted"


def test_accept_shows_number_and_colleague_gets_a_clear_message(client, make_client, db, auth, world, make_user):
    court, clerk, filer = world
    case = submitted(db, court, filer)
    colleague = make_user("judge", court=court)
    other = make_client()
    auth.login(clerk)
    auth.login(colleague, c=other)
    rev = case.revision
    resp = client.post(f"/review/{case.filing_ref}/accept", data={"revision": rev})
    assert resp.status_code == 302
    case = db.session.get(Case, case.id)
    assert re.fullmatch(r"\(\d{4}\)沪0115民初1号", case.case_number)
    resp = other.post(f"/review/{case.filing_ref}/reject", data={"revision": rev, "reasons": "不属于本院管辖"})
    text = other.get(resp.location).get_data(as_text=True)
    assert clerk.name in text and ("Already decided by" in text or "已由" in text)  # who decided, and when
    assert db.session.get(Case, case.id).state == "accepted"
    assert case.case_number in client.get(f"/review/{case.filing_ref}").get_data(as_text=True)


def test_reject_needs_reasons_and_sends_sms(client, db, auth, world):
    court, clerk, filer = world
    case = submitted(db, court, filer)
    auth.login(clerk)
    assert client.post(f"/review/{case.filing_ref}/reject", data={"revision": case.revision,
                                                                 "reasons": ""}).status_code == 400
    client.post(f"/review/{case.filing_ref}/reject", data={"revision": case.revision, "reasons": "超过诉讼时效"})
    case = db.session.get(Case, case.id)
    assert case.state == "rejected" and case.rejected_reason == "超过诉讼时效"
    assert db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "filing_rejected")).one().phone == filer.phone


def test_clerk_uploads_a_posted_document_for_the_party(client, db, auth, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    pending = filing.add_attachment(case, filer, role="other", by_post=True, note="原件邮寄")
    filing.submit(case, filer)
    db.session.commit()
    auth.login(clerk)
    resp = client.post(f"/review/{case.filing_ref}/attachments/{pending.id}/upload",
                       content_type="multipart/form-data", data={"file": (io.BytesIO(PDF), "扫描件.pdf")})
    assert resp.status_code == 302
    page = client.get(resp.location).get_data(as_text=True)
    assert "扫描件.pdf" in page and "王芳" in page
    new = [a for a in filing.current_attachments(case) if a.role == "other"][0]
    assert new.added_by_id == clerk.id and new.stored.on_behalf_of_id is not None


def test_case_numbers_never_repeat_under_concurrency(app, db, world):
    """Eight clerks accept eight filings at the same moment, each in its own connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    court, clerk, filer = world
    ids = [submitted(db, court, filer).id for _ in range(8)]
    barrier, errors = threading.Barrier(len(ids)), []

    def accept(case_id):
        with app.app_context():
            from app.extensions import db as _db
            from app.models import User
            try:
                case, actor = _db.session.get(Case, case_id), _db.session.get(User, clerk.id)
                barrier.wait(10)
                filing.accept(case, actor)
                _db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    db.session.expire_all()
    numbers = sorted(int(re.search(r"民初(\d+)号", db.session.get(Case, i).case_number).group(1)) for i in ids)
    assert numbers == list(range(1, 9))
