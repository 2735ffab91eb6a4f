"""Mediation: terms, both parties sign the exact terms, the signed agreement is filed, payment and withdrawal."""
import pytest
from sqlalchemy import func, select

from app.models import CaseEvent, MediationAgreement, StoredFile
from app.services import mediation, signatures, storage
from tests.services.documents_helpers import drawn_png, face_session, pdftotext


@pytest.fixture
def m(db, make_user, make_case):
    judge = make_user("judge", name="张俊")
    plaintiff, defendant = make_user(name="王芳"), make_user(name="陈强")
    case = make_case(court=judge.court, filer=plaintiff, defendant=defendant)
    for u in (plaintiff, defendant):
        signatures.save_signature(u, drawn_png())
    db.session.commit()
    p, d = case.parties
    return dict(judge=judge, plaintiff=plaintiff, defendant=defendant, case=case, p=p, d=d)


def _draft(db, m, amount="160000"):
    a = mediation.draft_terms(m["case"], m["judge"], amount=amount, payer=m["d"], payee=m["p"],
                              schedule="于2026年4月13日前一次性", other="原告申请解除财产保全。")
    db.session.commit()
    return a


def _sign(db, a, user):
    row = mediation.confirm(a, user, face_session(user), a.current.terms_hash)
    db.session.commit()
    return row


def test_both_signing_files_the_agreement_and_closes_the_case_as_mediated(db, m, tmp_path):
    a = _draft(db, m)
    _sign(db, a, m["plaintiff"])
    assert a.state == "draft" and m["case"].state == "accepted"
    _sign(db, a, m["defendant"])
    db.session.expire_all()
    a = db.session.get(MediationAgreement, a.id)
    assert a.state == "signed" and a.case.state == "mediated" and a.file.case_id == a.case_id
    text = pdftotext(storage.read_bytes(a.file), tmp_path)
    for s in (a.case.case_number, "王芳", "陈强", "160,000.00", "原告申请解除财产保全", a.verification_code):
        assert s in text


def test_render_job_twice_files_one_agreement(db, m):
    a = _draft(db, m)
    _sign(db, a, m["plaintiff"])
    _sign(db, a, m["defendant"])
    before = db.session.scalar(select(func.count()).select_from(StoredFile))
    mediation.render_signed(a.id)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == before


def test_redrafted_terms_need_everyone_again(db, m):
    a = _draft(db, m)
    _sign(db, a, m["plaintiff"])
    old_hash = a.current.terms_hash
    _draft(db, m, amount="150000")
    with pytest.raises(signatures.StaleVersion):
        mediation.confirm(a, m["defendant"], face_session(m["defendant"]), old_hash)
    db.session.rollback()
    _sign(db, a, m["defendant"])
    assert a.state == "draft"  # the plaintiff signed version 1 only


def test_signing_needs_face_check_and_party_membership(db, m, make_user):
    a = _draft(db, m)
    with pytest.raises(signatures.FaceCheckRequired):
        mediation.confirm(a, m["plaintiff"], face_session(m["plaintiff"], fresh=False), a.current.terms_hash)
    outsider = make_user()
    with pytest.raises(mediation.NotAllowed):
        mediation.confirm(a, outsider, face_session(outsider), a.current.terms_hash)


def test_party_cannot_draft_terms_and_bad_terms_refused(db, m):
    with pytest.raises(mediation.NotAllowed):
        mediation.draft_terms(m["case"], m["plaintiff"], amount="1", payer=m["d"], payee=m["p"])
    with pytest.raises(mediation.BadTerms):
        mediation.draft_terms(m["case"], m["judge"], amount="0", payer=m["d"], payee=m["p"])
    with pytest.raises(mediation.BadTerms):
        mediation.draft_terms(m["case"], m["judge"], amount="10", payer=m["p"], payee=m["p"])


def test_paid_confirmation_and_withdrawal_are_events(db, m):
    case = m["case"]
    mediation.confirm_paid(case, m["plaintiff"], "4月13日已全部收到")
    mediation.request_withdrawal(case, m["plaintiff"], "货款已全部收到")
    db.session.commit()
    with pytest.raises(mediation.NotAllowed):
        mediation.request_withdrawal(case, m["defendant"])
    with pytest.raises(mediation.NotAllowed):
        mediation.grant_withdrawal(case, m["plaintiff"])
    mediation.grant_withdrawal(case, m["judge"])
    db.session.commit()
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert kinds[-4:] == ["payment_confirmed", "withdrawal_requested", "state_changed", "withdrawal_granted"]
    assert case.state == "suit_withdrawn" and case.close_reason == "suit_withdrawn"


def test_payer_cannot_confirm_payment_of_signed_agreement(db, m):
    a = _draft(db, m)
    _sign(db, a, m["plaintiff"])
    _sign(db, a, m["defendant"])
    with pytest.raises(mediation.NotAllowed):
        mediation.confirm_paid(m["case"], m["defendant"])


def test_a_mediated_case_closes_with_the_mediation_document_once_both_sides_receive_it(db, m, make_user):
    """Not on the parties' signatures alone (#18): the 调解书, signed by judge and clerk, received by both."""
    from app.services import court_documents as docs, e_service
    clerk = make_user("clerk", court=m["judge"].court)
    a = _draft(db, m)
    _sign(db, a, m["plaintiff"])
    _sign(db, a, m["defendant"])
    case = m["case"]
    assert case.state == "mediated" and case.closed_on is None
    # Both sides consent themselves, signed in with their own numbers (their confirmed service addresses).
    e_service.record_consent(case, case.parties[0], m["plaintiff"], "explicit")
    e_service.record_consent(case, m["d"], m["defendant"], "explicit", address=m["defendant"].phone)
    doc = docs.draft(case, m["judge"], "mediation")
    assert any("原告申请解除财产保全" in p for p in doc.paragraphs)
    assert any("签收后，即具有法律效力" in p for p in doc.paragraphs)
    docs.sign_as_judge(doc, m["judge"], docs.current_hash(doc))
    docs.countersign_and_issue(doc, clerk, doc.content_hash)
    docs.serve(doc, clerk)
    db.session.commit()
    first, second = docs.services_of(doc)
    e_service.acknowledge(first, first.recipient)
    db.session.commit()
    assert not docs.make_effective(doc)  # one side has not received it
    e_service.acknowledge(second, second.recipient)
    assert docs.make_effective(doc)
    db.session.commit()
    assert case.state == "closed" and case.close_reason == "mediation_effective" and doc.certificate_file_id
