"""Electronic service pages: confirmed addresses, an SMS without a sign-in token, "opened" only on a POST."""
import re

import pytest
from sqlalchemy import select

from app.models import ServiceAddress, ServiceOfDocument, SmsMessage
from app.services import e_service, storage


@pytest.fixture
def w(db, make_user, make_case):
    clerk = make_user("clerk", name="李书记员")
    plaintiff, defendant = make_user(name="王芳"), make_user(name="陈强")
    case = make_case(court=clerk.court, filer=plaintiff, defendant=defendant)
    doc = storage.save_bytes(b"%PDF-1.4 summons", name="传票.pdf", content_type="application/pdf", case=case)
    db.session.commit()
    return dict(clerk=clerk, plaintiff=plaintiff, defendant=defendant, case=case, doc=doc, p=case.parties[0])


def _code(db, phone):
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.phone == phone, SmsMessage.kind == "service_address_code")
                             .order_by(SmsMessage.id.desc())).first()
    return re.search(r"(\d{6})", sms.body).group(1)


def test_clerk_proposes_owner_confirms_with_code(client, db, auth, w):
    auth.login(w["clerk"])
    resp = client.post(f"/cases/{w['case'].id}/service/addresses", data={"party": w["p"].id, "address": "137 0000 5555"})
    assert resp.status_code == 302
    row = db.session.scalars(select(ServiceAddress)).one()
    assert row.state == "pending" and row.address == "13700005555" and row.owner_id == w["plaintiff"].id
    assert db.session.scalar(select(SmsMessage)) is None  # nothing sent until the owner asks
    # The clerk cannot ask for or enter the owner's code.
    assert client.post(f"/service/addresses/{row.id}/code").status_code == 302
    assert db.session.scalar(select(SmsMessage)) is None
    auth.logout()
    auth.login(w["plaintiff"])
    page = client.get(f"/service/addresses/{row.id}").get_data(as_text=True)
    assert "13700005555" in page
    assert client.post(f"/service/addresses/{row.id}/code").status_code == 302
    bad = client.post(f"/service/addresses/{row.id}/confirm", data={"code": "12345"})
    assert bad.status_code == 400 and "6位" in bad.get_data(as_text=True)
    assert client.post(f"/service/addresses/{row.id}/confirm",
                       data={"code": _code(db, "13700005555")}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ServiceAddress, row.id).state == "confirmed"


def test_in_person_confirmation_through_the_page(client, db, auth, w):
    auth.login(w["clerk"])
    client.post(f"/cases/{w['case'].id}/service/addresses", data={"party": w["p"].id, "address": "13700005556"})
    row = db.session.scalars(select(ServiceAddress)).one()
    resp = client.post(f"/service/addresses/{row.id}/in-person", data={"note": ""})
    assert resp.status_code == 400 and "核对" in resp.get_data(as_text=True)
    assert client.post(f"/service/addresses/{row.id}/in-person",
                       data={"note": "当事人到庭，身份证已核对，号码当面复述"}).status_code == 302
    db.session.expire_all()
    row = db.session.get(ServiceAddress, row.id)
    assert (row.state, row.confirmed_how, row.confirmed_by_id) == ("confirmed", "in_person", w["clerk"].id)
    assert "李书记员" in client.get(f"/service/addresses/{row.id}").get_data(as_text=True)


def test_outsiders_see_no_address(client, db, auth, make_user, w):
    row = e_service.propose_address(w["case"], w["p"], w["clerk"], "13700005557")
    db.session.commit()
    for outsider in (make_user("clerk"), make_user("litigant"), w["defendant"]):
        auth.login(outsider)
        assert client.get(f"/service/addresses/{row.id}").status_code == 404
        assert client.post(f"/service/addresses/{row.id}/in-person", data={"note": "身份证已核对"}).status_code == 404
        assert client.post(f"/service/addresses/{row.id}/confirm", data={"code": "123456"}).status_code == 404
        assert "13700005557" not in client.get(f"/cases/{w['case'].id}/service/addresses").get_data(as_text=True)
        auth.logout()


def _served(db, w):
    e_service.record_consent(w["case"], w["p"], w["clerk"], "explicit")
    row = e_service.propose_address(w["case"], w["p"], w["clerk"], w["plaintiff"].phone)
    e_service.confirm_address_in_person(row, w["clerk"], "身份证已核对")
    service = e_service.serve(w["case"], w["p"], w["clerk"], stored_file=w["doc"], kind="summons", title="开庭传票")
    db.session.commit()
    return service


def test_service_sms_link_needs_the_recipients_own_sign_in(client, db, auth, make_user, w):
    service = _served(db, w)
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service")).one()
    assert "开庭传票" in sms.body and w["case"].number in sms.body and "/l/" not in sms.body
    path = re.search(r"(/service/\d+)", sms.body).group(1)
    # A link scanner, or whoever else holds the phone, without the recipient's sign-in:
    resp = client.get(path)
    assert resp.status_code == 302 and "/signin" in resp.location
    stranger = make_user("litigant")
    auth.login(stranger)
    assert client.get(path).status_code == 404 and client.get(path + "/document").status_code == 404
    auth.logout()
    db.session.expire_all()
    assert not e_service.is_opened(db.session.get(ServiceOfDocument, service.id))


def test_opened_is_recorded_only_by_a_post(client, db, auth, w):
    service = _served(db, w)
    auth.login(w["plaintiff"])
    page = client.get(f"/service/{service.id}")
    assert page.status_code == 200 and f'action="/service/{service.id}/open"' in page.get_data(as_text=True)
    doc = client.get(f"/service/{service.id}/document")
    assert doc.status_code == 302  # back to the page with the button
    db.session.expire_all()
    assert db.session.get(ServiceOfDocument, service.id).attempts[0].opened_at is None
    assert db.session.get(ServiceOfDocument, service.id).effective_at is None
    resp = client.post(f"/service/{service.id}/open")
    assert resp.status_code == 302 and resp.location.endswith("/document")
    db.session.expire_all()
    s = db.session.get(ServiceOfDocument, service.id)
    assert s.attempts[0].opened_at is not None and s.effective_at is not None
    got = client.get(f"/service/{service.id}/document")
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert "attachment" in got.headers.get("Content-Disposition", "")


def test_serving_to_an_unconfirmed_number_is_refused_clearly(client, db, auth, w):
    e_service.record_consent(w["case"], w["p"], w["clerk"], "explicit", "13700005558")
    db.session.commit()
    auth.login(w["clerk"])
    resp = client.post(f"/cases/{w['case'].id}/service/new", data={"party": w["p"].id, "kind": "notice",
                                                                   "title": "", "file": w["doc"].id})
    assert resp.status_code == 400 and "确认" in resp.get_data(as_text=True)
    assert db.session.scalar(select(SmsMessage).where(SmsMessage.kind == "service")) is None


def test_party_giving_a_number_with_consent_goes_on_to_confirm_it(client, db, auth, w):
    auth.login(w["plaintiff"])
    resp = client.post(f"/cases/{w['case'].id}/service/consent",
                       data={"party": w["p"].id, "how": "explicit", "address": "13700005559"})
    assert resp.status_code == 302 and "/service/addresses/" in resp.location
    assert client.post(resp.location + "/confirm", data={"code": _code(db, "13700005559")}).status_code == 302
    assert e_service.confirmed_address(w["p"], w["plaintiff"]).address == "13700005559"
