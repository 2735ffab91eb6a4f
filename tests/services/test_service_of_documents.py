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


def _serve(db, s, how="explicit"):
    e_service.record_consent(s["case"], s["p"], s["judge"], how)
    service = e_service.serve(s["case"], s["p"], s["judge"], stored_file=s["doc"], kind="notice", title="开庭通知书")
    db.session.commit()
    return service


def test_serving_without_consent_is_refused(db, s):
    with pytest.raises(e_service.NoConsent):
        e_service.serve(s["case"], s["p"], s["judge"], stored_file=s["doc"], kind="notice")


def test_party_cannot_serve(db, s):
    with pytest.raises(e_service.NotAllowed):
        e_service.serve(s["case"], s["p"], s["plaintiff"], stored_file=s["doc"], kind="notice")


def test_service_sends_a_one_time_link_and_logs_sent(db, s):
    service = _serve(db, s)
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service")).one()
    assert sms.phone == s["plaintiff"].phone and "/l/" in sms.body and "开庭通知书" in sms.body
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
