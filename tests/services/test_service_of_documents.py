"""Electronic service: consent first, SMS link, sent/delivered/opened/acknowledged, effective time, certificate."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import SmsMessage, utcnow
from app.services import e_service, storage
from tests.services.documents_helpers import pdftotext


@pytest.fixture
def s(db, make_user, make_case):
    judge = make_user("judge", name="张俊")
    plaintiff, defendant = make_user(name="王芳"), make_user(name="陈强")
    case = make_case(court=judge.court, filer=plaintiff, defendant=defendant)
    doc = storage.save_bytes(b"%PDF-1.4 notice", name="通知书.pdf", content_type="application/pdf", case=case)
    db.session.commit()
    return dict(judge=judge, plaintiff=plaintiff, defendant=defendant, case=case, doc=doc, p=case.parties[0])


def _confirm_in_person(db, s, party=None, number=None):
    party = party or s["p"]
    row = e_service.propose_address(s["case"], party, s["judge"], number or e_service.recipient_for(party).phone)
    e_service.confirm_address_in_person(row, s["judge"], "身份证已核对，号码当面复述")
    db.session.commit()
    return row


def _serve(db, s, how="explicit"):
    e_service.record_consent(s["case"], s["p"], s["judge"], how)
    _confirm_in_person(db, s)
    service = e_service.serve(s["case"], s["p"], s["judge"], stored_file=s["doc"], kind="notice", title="开庭通知书")
    db.session.commit()
    return service


def test_serving_without_consent_is_refused(db, s):
    with pytest.raises(e_service.NoConsent):
        e_service.serve(s["case"], s["p"], s["judge"], stored_file=s["doc"], kind="notice")


def test_party_cannot_serve(db, s):
    with pytest.raises(e_service.NotAllowed):
        e_service.serve(s["case"], s["p"], s["plaintiff"], stored_file=s["doc"], kind="notice")


def test_service_sms_names_case_and_document_and_carries_no_sign_in_link(db, s):
    service = _serve(db, s)
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service")).one()
    assert sms.phone == s["plaintiff"].phone and "开庭通知书" in sms.body and s["case"].number in sms.body
    assert "/l/" not in sms.body and f"/service/{service.id}" in sms.body
    e_service.refresh(service)
    attempt = service.attempts[0]
    assert attempt.sent_at is not None and attempt.address_confirmed
    assert service.effective_at is None  # sent is not served


def test_delivery_to_confirmed_address_is_effective_at_delivery(db, s):
    service = _serve(db, s)
    sms = service.attempts[0].sms
    delivered = utcnow() - timedelta(minutes=5)
    sms.delivered_at = delivered
    e_service.refresh(service)
    db.session.commit()
    assert service.effective_at == delivered
    e_service.acknowledge(service, s["plaintiff"])  # later acknowledgement does not move it
    db.session.commit()
    assert service.effective_at == delivered and service.certificate is not None


def test_without_delivery_receipt_reading_makes_it_effective(db, s):
    service = _serve(db, s)
    e_service.mark_opened(service, s["plaintiff"])
    db.session.commit()
    assert service.effective_at == service.attempts[0].opened_at


def test_unconfirmed_address_needs_a_reply_not_just_delivery(db, s):
    service = _serve(db, s)
    attempt = service.attempts[0]
    attempt.address_confirmed = False
    attempt.sms.delivered_at = utcnow()
    e_service.refresh(service)
    assert service.effective_at is None
    e_service.acknowledge(service, s["plaintiff"])
    assert service.effective_at == attempt.acknowledged_at


def test_only_the_recipient_opens_or_acknowledges(db, s):
    service = _serve(db, s)
    assert e_service.mark_opened(service, s["defendant"]) is False
    with pytest.raises(e_service.NotAllowed):
        e_service.acknowledge(service, s["defendant"])
    assert service.attempts[0].opened_at is None


def test_certificate_from_the_log_is_filed_once(db, s, tmp_path):
    service = _serve(db, s)
    e_service.acknowledge(service, s["plaintiff"])
    db.session.commit()
    cert = service.certificate
    assert cert is not None and cert.case_id == s["case"].id
    text = pdftotext(storage.read_bytes(cert), tmp_path)
    assert "送达回证" in text and "开庭通知书" in text and "王芳" in text and s["case"].case_number in text
    assert e_service.render_certificate(service.id).id == cert.id  # same log, same document


def test_consent_by_address_in_pleading_is_recorded(db, s):
    row = e_service.record_consent(s["case"], s["p"], s["plaintiff"], "address_in_pleading", "+86 139 0000 1111")
    assert row.how == "address_in_pleading" and row.address == "13900001111"


# --------------------------------------------------------------------------- verified addresses (#12.1)

def test_a_number_the_clerk_types_is_not_a_service_address(db, s):
    """It used to be: a clerk could record any number, and service went there."""
    e_service.record_consent(s["case"], s["p"], s["judge"], "explicit", "13700007777")
    db.session.commit()
    with pytest.raises(e_service.UnconfirmedAddress):
        e_service.serve(s["case"], s["p"], s["judge"], stored_file=s["doc"], kind="notice")
    assert db.session.scalar(select(SmsMessage).where(SmsMessage.kind == "service")) is None


def test_owner_confirms_with_a_code_sent_to_the_number(db, s):
    import re
    e_service.record_consent(s["case"], s["p"], s["plaintiff"], "explicit")
    row = e_service.propose_address(s["case"], s["p"], s["plaintiff"], "13700008888")
    db.session.commit()
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service_address_code")).one()
    assert sms.phone == "13700008888"
    code = re.search(r"(\d{6})", sms.body).group(1)
    with pytest.raises(e_service.NotAllowed):  # someone else, even the court, cannot enter the owner's code
        e_service.confirm_address_by_code(row, s["judge"], code)
    with pytest.raises(e_service.NotAllowed):
        e_service.confirm_address_by_code(row, s["defendant"], code)
    with pytest.raises(e_service.InvalidCode):
        e_service.confirm_address_by_code(row, s["plaintiff"], "000000" if code != "000000" else "111111")
    e_service.confirm_address_by_code(row, s["plaintiff"], code)
    db.session.commit()
    assert row.state == "confirmed" and row.confirmed_how == "code" and row.confirmed_by_id == s["plaintiff"].id
    service = e_service.serve(s["case"], s["p"], s["judge"], stored_file=s["doc"], kind="notice")
    assert service.attempts[0].address == "13700008888" and service.attempts[0].address_id == row.id


def test_address_code_stops_after_five_wrong_tries(db, s):
    import re
    row = e_service.propose_address(s["case"], s["p"], s["plaintiff"], "13700008889")
    db.session.commit()
    code = re.search(r"(\d{6})", db.session.scalars(select(SmsMessage)).one().body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(e_service.InvalidCode):
            e_service.confirm_address_by_code(row, s["plaintiff"], wrong)
        db.session.commit()
    with pytest.raises(e_service.InvalidCode):
        e_service.confirm_address_by_code(row, s["plaintiff"], code)


def test_in_person_confirmation_records_who_when_how(db, s, make_user):
    row = e_service.propose_address(s["case"], s["p"], s["judge"], "13700009999")
    assert db.session.scalar(select(SmsMessage)) is None  # the clerk proposing sends nothing
    with pytest.raises(e_service.NoteNeeded):
        e_service.confirm_address_in_person(row, s["judge"], " ")
    other_clerk = make_user("clerk")  # another court
    with pytest.raises(e_service.NotAllowed):
        e_service.confirm_address_in_person(row, other_clerk, "身份证已核对")
    with pytest.raises(e_service.NotAllowed):
        e_service.confirm_address_in_person(row, s["plaintiff"], "身份证已核对")
    e_service.confirm_address_in_person(row, s["judge"], "身份证已核对，号码当面复述")
    db.session.commit()
    assert (row.state, row.confirmed_how, row.confirmed_by_id) == ("confirmed", "in_person", s["judge"].id)
    assert row.confirmed_at is not None and "身份证" in row.confirmation_note
    from app.models import CaseEvent
    ev = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "service_address_confirmed")).one()
    assert ev.actor_id == s["judge"].id and ev.data["how"] == "in_person"


def test_represented_party_is_served_through_the_lawyer_as_the_lawyer(db, s, make_user):
    lawyer = make_user("lawyer", name="刘律师")
    s["p"].lawyer_id = lawyer.id
    db.session.commit()
    e_service.record_consent(s["case"], s["p"], s["judge"], "explicit")
    _confirm_in_person(db, s)  # proposed for the lawyer: the lawyer's own number
    service = e_service.serve(s["case"], s["p"], s["judge"], stored_file=s["doc"], kind="notice")
    db.session.commit()
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service")).one()
    assert service.recipient_id == lawyer.id and sms.phone == lawyer.phone and sms.user_id == lawyer.id
    assert "/l/" not in sms.body
    assert e_service.mark_opened(service, s["plaintiff"]) is False  # the lawyer reads it, as the lawyer
    assert e_service.mark_opened(service, lawyer) is True


def test_party_without_an_account_gets_no_one_elses_link(db, s, make_user):
    """It used to be: the lawyer's sign-in link went to the party's number."""
    from app.models import CaseParty
    party = CaseParty(case_id=s["case"].id, role="third_party", name="无账户第三人", phone="13700001234")
    db.session.add(party)
    db.session.commit()
    e_service.record_consent(s["case"], party, s["judge"], "explicit")
    with pytest.raises(e_service.NoAccount):
        e_service.propose_address(s["case"], party, s["judge"], "13700001234")
    with pytest.raises(e_service.NoAccount):
        e_service.serve(s["case"], party, s["judge"], stored_file=s["doc"], kind="notice")
    assert db.session.scalar(select(SmsMessage).where(SmsMessage.phone == "13700001234")) is None


def test_a_new_confirmed_number_replaces_the_old(db, s):
    first = _confirm_in_person(db, s, number="13700000011")
    second = _confirm_in_person(db, s, number="13700000022")
    db.session.refresh(first)
    assert first.state == "revoked" and second.state == "confirmed"
    assert e_service.confirmed_address(s["p"], s["plaintiff"]).id == second.id
