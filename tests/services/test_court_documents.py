"""Court documents (裁判文书): drafted from the case, signed by judge and clerk, sealed, served, effective, closing."""
from datetime import timedelta
from decimal import Decimal

import pytest

from app.models import Case
from app.services import court_documents as docs, e_service, fees, lifecycle
from app.services.errors import NotAllowed
from app.services.court_time import today as local_today


@pytest.fixture
def court_case(db, make_user, make_court, make_case):
    court = make_court(name="上海市浦东新区人民法院")
    judge, clerk = make_user("judge", court=court, name="张俊"), make_user("clerk", court=court, name="李敏")
    defendant = make_user("litigant", name="陈强")
    case = make_case(court=court, defendant=defendant, state="hearing")
    case.amount, case.judge_id, case.claims, case.facts = Decimal("150000"), judge.id, "支付货款150000元。", "被告未付款。"
    plaintiff = case.parties[0]
    plaintiff.party_type, plaintiff.name, plaintiff.representative_name = "legal_person", "上海某某贸易有限公司", "李总"
    plaintiff.id_type, plaintiff.id_number = "uscc", "91310000MA1FL1MMXL"
    fees.assess_on_acceptance(case, clerk)
    # Each side consents itself, signed in with its own number: that number is its confirmed service address.
    e_service.record_consent(case, case.parties[0], case.parties[0].user, "explicit")
    e_service.record_consent(case, case.parties[1], defendant, "explicit", address=defendant.phone)
    db.session.commit()
    return case, judge, clerk


def _judgment(db, case, judge):
    doc = docs.draft(case, judge, "judgment", defence="货款已付一部分。", findings="双方签订买卖合同。",
                     reasoning="被告应付款。", orders="被告陈强于本判决生效之日起十日内支付原告货款150000元。")
    db.session.commit()
    return doc


def _issue(db, doc, judge, clerk):
    docs.sign_as_judge(doc, judge, docs.current_hash(doc))
    docs.countersign_and_issue(doc, clerk, doc.content_hash)
    db.session.commit()


def _receive_all(db, doc):
    for s in docs.services_of(doc):
        e_service.acknowledge(s, s.recipient)
    db.session.commit()


def test_the_template_fills_the_case_data(db, court_case):
    case, judge, clerk = court_case
    doc = _judgment(db, case, judge)
    text = "\n".join(doc.paragraphs)
    assert "上海某某贸易有限公司" in text and "陈强" in text and "支付货款150000元" in text
    assert "一、被告陈强于本判决生效之日起十日内" in text and "案件受理费3,300.00元" in text and "十五日内" in text
    assert docs.party_details(case.parties[0]).startswith("统一社会信用代码91310000MA1FL1MMXL；法定代表人：李总")
    with pytest.raises(docs.EmptyDocument):
        docs.draft(case, judge, "judgment", orders="  ")


def test_only_the_cases_judge_drafts_and_signs_and_only_a_clerk_countersigns(db, court_case, make_user):
    case, judge, clerk = court_case
    other_judge = make_user("judge", court=case.court)
    with pytest.raises(NotAllowed):
        docs.draft(case, other_judge, "judgment", orders="驳回")
    doc = _judgment(db, case, judge)
    for actor in (clerk, other_judge, case.parties[0].user):
        with pytest.raises(NotAllowed):
            docs.sign_as_judge(doc, actor, docs.current_hash(doc))
    with pytest.raises(NotAllowed):
        docs.countersign_and_issue(doc, judge, docs.current_hash(doc))


def test_a_judgment_without_the_clerks_signature_is_not_sealed_or_served(db, court_case):
    case, judge, clerk = court_case
    doc = _judgment(db, case, judge)
    with pytest.raises(docs.NotSigned):
        docs.countersign_and_issue(doc, clerk, docs.current_hash(doc))  # the judge has not signed
    docs.sign_as_judge(doc, judge, docs.current_hash(doc))
    db.session.commit()
    with pytest.raises(docs.NotSigned):
        docs.serve(doc, clerk)
    assert doc.file_id is None and db.session.get(Case, case.id).state == "hearing"


def test_signing_binds_the_exact_text(db, court_case):
    case, judge, clerk = court_case
    doc = _judgment(db, case, judge)
    shown = docs.current_hash(doc)
    docs.update_draft(doc, judge, "\n".join(doc.paragraphs + ["补充一段。"]))
    with pytest.raises(docs.ChangedSinceShown):
        docs.sign_as_judge(doc, judge, shown)
    docs.sign_as_judge(doc, judge, docs.current_hash(doc))
    with pytest.raises(docs.NotDraft):
        docs.update_draft(doc, judge, "改")
    with pytest.raises(docs.ChangedSinceShown):
        docs.countersign_and_issue(doc, clerk, shown)


def test_a_judgment_is_served_takes_effect_fifteen_days_later_and_closes_the_case(db, court_case):
    case, judge, clerk = court_case
    doc = _judgment(db, case, judge)
    _issue(db, doc, judge, clerk)
    assert doc.state == "issued" and doc.file.original_name.endswith(".pdf") and case.state == "decided"
    served, paper = docs.serve(doc, clerk)
    db.session.commit()
    assert len(served) == 2 and paper == []
    assert docs.effective_on(doc) is None  # served, not yet received
    _receive_all(db, doc)
    today = local_today()
    assert docs.effective_on(doc) == today + timedelta(days=16)
    assert not docs.make_effective(doc, today + timedelta(days=15))
    assert docs.sweep_effects(today + timedelta(days=16)) == 1
    db.session.commit()
    assert doc.state == "effective" and doc.certificate_file is not None
    case = db.session.get(Case, case.id)
    assert case.state == "closed" and case.close_reason == "judgment_effective" and case.closed_on is not None
    assert docs.sweep_effects(today + timedelta(days=30)) == 0


def test_a_withdrawal_ruling_ends_the_case_as_suit_withdrawn_with_half_the_fee(db, court_case):
    case, judge, clerk = court_case
    doc = docs.draft(case, judge, "ruling", "withdrawal", reasons="原告申请撤诉，符合法律规定。")
    assert any("减半收取1,650.00元" in p for p in doc.paragraphs)
    _issue(db, doc, judge, clerk)
    assert db.session.get(Case, case.id).state == "suit_withdrawn"
    docs.serve(doc, clerk)
    _receive_all(db, doc)
    assert docs.effective_on(doc) == local_today()


def test_not_paying_leads_to_a_deemed_withdrawal_ruling_only_when_overdue(db, court_case):
    case, judge, clerk = court_case
    doc = docs.draft(case, judge, "ruling", "deemed_withdrawal", reasons="原告未在期限内预交案件受理费。")
    docs.sign_as_judge(doc, judge, docs.current_hash(doc))
    db.session.commit()
    with pytest.raises(fees.NotOverdue):
        docs.countersign_and_issue(doc, clerk, doc.content_hash, ground="fee_not_paid")
    db.session.rollback()
    fee = fees.fee_for(case)
    fee.due_on = local_today() - timedelta(days=1)
    db.session.commit()
    docs.countersign_and_issue(doc, clerk, doc.content_hash, ground="fee_not_paid")
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.state == "deemed_withdrawn" and case.close_reason == "deemed_withdrawn"


def test_a_mediated_case_closes_only_with_a_received_mediation_document(db, court_case, make_case):
    case, judge, clerk = court_case
    with pytest.raises(docs.NoMediationAgreement):
        docs.draft(case, judge, "mediation")
    lifecycle.transition(case, "mediate", judge)
    db.session.commit()
    with pytest.raises(docs.NoMediationAgreement):  # mediated, but no agreement signed by every party
        docs.draft(case, judge, "mediation")
