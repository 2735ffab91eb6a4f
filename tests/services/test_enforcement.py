"""Enforcement (执行) services: the application, the case group on acceptance, clues, the ledger, closing."""
from datetime import date, timedelta
from decimal import Decimal

import secrets

import pytest

from app.models import Case, CaseParty, utcnow
from app.services import enforcement as enf
from app.services import filing, mediation
from app.services.errors import DomainError, NotAllowed


@pytest.fixture
def people(make_user, make_court):
    court = make_court()
    return dict(court=court, judge=make_user("judge", court=court), applicant=make_user("litigant", name="商某"),
                respondent=make_user("litigant", name="吴某"), outsider=make_user("litigant"))


@pytest.fixture
def make_enforcement(db, people):
    counter = iter(range(1, 1000))

    def make(amount="23084", accept=True):
        n = next(counter)
        p = people
        case = Case(court_id=p["court"].id, kind="enforcement", state="draft", filing_ref=f"LA2026-E{n:05d}",
                    title="商某申请执行吴某抚养费纠纷", claims="支付抚养费", facts="判决已生效",
                    filed_by_id=p["applicant"].id, judge_id=p["judge"].id)
        case.parties = [CaseParty(role="applicant", name="商某", user_id=p["applicant"].id, phone=p["applicant"].phone),
                        CaseParty(role="respondent", name="吴某", user_id=p["respondent"].id)]
        db.session.add(case)
        db.session.flush()
        enf.set_application(case, p["applicant"], instrument_kind="judgment", effective_on="2026-01-05",
                            instrument_number="(2025)沪0101民初1号", instrument_upload=_pdf("判决书.pdf"),
                            proof_upload=_pdf("生效证明.pdf"), amount=amount)
        if accept:
            case.state = "submitted"
            db.session.flush()
            filing.accept(case, p["judge"])
        db.session.commit()
        return case
    return make


def _pdf(name):
    import io
    from werkzeug.datastructures import FileStorage
    return FileStorage(io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), filename=name)


def test_application_needs_instrument_and_what_to_enforce(db, people):
    case = Case(court_id=people["court"].id, kind="enforcement", state="draft", filing_ref="LA2026-X1",
                filed_by_id=people["applicant"].id)
    db.session.add(case)
    db.session.flush()
    assert filing.problems(case)[-1][0].startswith("Name the enforceable instrument")
    with pytest.raises(enf.BadInstrument):  # uploaded, but no proof of effect
        enf.set_application(case, people["applicant"], instrument_kind="judgment", effective_on="2026-01-05",
                            instrument_number="(2025)沪0101民初1号", instrument_upload=_pdf("a.pdf"), amount="100")
    with pytest.raises(enf.NothingToEnforce):
        enf.set_application(case, people["applicant"], instrument_kind="judgment", effective_on="2026-01-05",
                            instrument_number="x", instrument_upload=_pdf("a.pdf"), proof_upload=_pdf("b.pdf"))
    with pytest.raises(enf.BadDate):
        enf.set_application(case, people["applicant"], instrument_kind="judgment", effective_on="yesterday",
                            instrument_number="x", instrument_upload=_pdf("a.pdf"), proof_upload=_pdf("b.pdf"), amount="1")
    with pytest.raises(NotAllowed):
        enf.set_application(case, people["outsider"], instrument_kind="judgment", effective_on="2026-01-05",
                            instrument_number="x", instrument_upload=_pdf("a.pdf"), proof_upload=_pdf("b.pdf"), amount="1")


def test_application_from_a_judgment_of_this_system(db, people, make_case):
    earlier = make_case(court=people["court"], filer=people["applicant"], state="closed")
    stranger_case = make_case(court=people["court"], state="closed")
    case = Case(court_id=people["court"].id, kind="enforcement", state="draft", filing_ref="LA2026-X2",
                filed_by_id=people["applicant"].id)
    db.session.add(case)
    db.session.flush()
    assert enf.instrument_choices(case) == [earlier]
    with pytest.raises(enf.BadInstrument):  # someone else's judgment
        enf.set_application(case, people["applicant"], instrument_kind="judgment", effective_on="2026-01-05",
                            instrument_case=stranger_case, amount="100")
    ex = enf.set_application(case, people["applicant"], instrument_kind="judgment", effective_on="2026-01-05",
                             instrument_case=earlier, amount="100.5")
    assert ex.instrument_source == "system" and ex.instrument_number == earlier.case_number
    assert ex.amount == Decimal("100.50") and isinstance(ex.amount, Decimal)


def test_acceptance_opens_the_case_group_with_both_sides(db, people, make_enforcement):
    case = make_enforcement()
    ex = enf.execution_for(case)
    assert ex.hearing is not None and ex.hearing.purpose == "enforcement_talk"
    members = {(pt.user_id, pt.role) for pt in ex.hearing.participants}
    assert (people["judge"].id, "judge") in members
    assert (people["applicant"].id, "applicant") in members and (people["respondent"].id, "respondent") in members
    assert enf.totals(ex)["outstanding"] == Decimal("23084.00")


def test_respondent_who_joins_later_enters_the_group(db, people, make_enforcement, make_user):
    case = make_enforcement()
    newcomer = make_user("litigant", name="后加入")
    party = CaseParty(case_id=case.id, role="respondent", name="后加入", phone=newcomer.phone)
    db.session.add(party)
    db.session.commit()
    filing.join_case(case, newcomer, online=True, e_service=True)
    assert enf.execution_for(case).hearing.participant_for(newcomer) is not None


def test_mediation_agreement_cannot_close_enforcement(db, people, make_enforcement):
    case = make_enforcement()
    payer, payee = case.parties[1], case.parties[0]
    with pytest.raises(mediation.EnforcementNotMediated):
        mediation.draft_terms(case, people["judge"], amount="100", payer=payer, payee=payee)


def test_clues_only_from_the_applicant_and_only_for_the_court(db, people, make_enforcement):
    case = make_enforcement()
    with pytest.raises(NotAllowed):
        enf.submit_clue(case, people["respondent"], kind="bank_account", description="x")
    clue = enf.submit_clue(case, people["applicant"], kind="bank_account", description="工商银行 6222…", key="k1")
    assert enf.submit_clue(case, people["applicant"], kind="bank_account", description="again", key="k1") is clue
    assert clue.can_view(people["applicant"]) and clue.can_view(people["judge"])
    assert not clue.can_view(people["respondent"]) and not clue.can_view(people["outsider"])
    assert enf.clues_awaiting(people["court"].id) == [clue]
    with pytest.raises(NotAllowed):
        enf.record_clue_action(clue, people["applicant"], action="frozen", done_on="2026-12-01")
    enf.record_clue_action(clue, people["judge"], action="frozen", done_on="2026-12-01", until="2027-12-01",
                           note="冻结 23,084 元")
    assert enf.clues_awaiting(people["court"].id) == []


@pytest.mark.parametrize("raw", ["-5", "0", "abc", "1e3x", "NaN", "Infinity", "1.001", ""])
def test_bad_amounts_refused(raw):
    with pytest.raises(enf.BadAmount):
        enf.parse_amount(raw)


def test_ledger_in_decimal_and_payment_limits(db, people, make_enforcement):
    case = make_enforcement(amount="1000")
    judge, resp = people["judge"], people["respondent"]
    enf.record_entry(case, judge, kind="interest", amount="10.10", on_date="2026-12-01")
    ex = enf.execution_for(case)
    assert enf.totals(ex)["outstanding"] == Decimal("1010.10")
    with pytest.raises(enf.PaymentTooLarge):
        enf.record_entry(case, judge, kind="payment", amount="1010.11", on_date="2026-12-01")
    with pytest.raises(DomainError):  # the respondent must show proof
        enf.record_entry(case, resp, kind="payment", amount="10", on_date="2026-12-01")
    with pytest.raises(NotAllowed):  # and cannot touch the due side
        enf.record_entry(case, resp, kind="interest", amount="10", on_date="2026-12-01", proof=_pdf("p.pdf"))
    reported = enf.record_entry(case, resp, kind="payment", amount="1000", on_date="2026-12-01", proof=_pdf("slip.pdf"))
    t = enf.totals(ex)
    assert t["unconfirmed"] == Decimal("1000.00") and t["outstanding"] == Decimal("1010.10")
    with pytest.raises(enf.PaymentTooLarge):  # reported-but-unconfirmed money counts against the room left
        enf.record_entry(case, judge, kind="payment", amount="10.11", on_date="2026-12-01")
    with pytest.raises(enf.PayoutTooLarge):
        enf.record_entry(case, judge, kind="payout", amount="1", on_date="2026-12-01")
    enf.confirm_payment(reported, judge)
    enf.record_entry(case, judge, kind="payment", amount="10.10", on_date="2026-12-02")
    enf.record_entry(case, judge, kind="payout", amount="1010.10", on_date="2026-12-03")
    t = enf.totals(ex)
    assert t == dict(due=Decimal("1010.10"), paid=Decimal("1010.10"), unconfirmed=Decimal("0.00"),
                     paid_out=Decimal("1010.10"), outstanding=Decimal("0.00"), held=Decimal("0.00"))


def _face(db, user):
    from app.models import UserSession
    row = UserSession(token_hash=secrets.token_hex(16), user_id=user.id, expires_at=utcnow() + timedelta(hours=1),
                      method="link")
    row.verify_face_for(10)
    db.session.add(row)
    db.session.flush()
    return row


def _signature(db, user):
    from PIL import Image, ImageDraw
    import io
    from app.services import signatures
    img = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(img).line((10, 60, 290, 70), fill="black", width=6)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    signatures.save_signature(user, buf.getvalue())


def test_closing_as_completed_needs_the_applicant_and_confirmed_money(db, people, make_enforcement):
    case = make_enforcement(amount="23084")
    judge, app_, resp = people["judge"], people["applicant"], people["respondent"]
    deadline = utcnow() + timedelta(days=3)
    with pytest.raises(enf.StillOutstanding):
        enf.request_receipt_confirmation(case, judge, deadline=deadline)
    reported = enf.record_entry(case, resp, kind="payment", amount="23084", on_date="2026-12-01", proof=_pdf("s.pdf"))
    with pytest.raises(enf.UnconfirmedPayments):
        enf.request_receipt_confirmation(case, judge, deadline=deadline)
    enf.confirm_payment(reported, judge)
    enf.record_entry(case, judge, kind="payout", amount="23084", on_date="2026-12-02")
    conf = enf.request_receipt_confirmation(case, judge, deadline=deadline)
    assert conf.item is not None and "23,084.00" in conf.item.text
    assert enf.request_receipt_confirmation(case, judge, deadline=deadline) is conf
    for who in (resp, judge, people["outsider"]):
        with pytest.raises(NotAllowed):
            enf.confirm_receipt(conf, who, _face(db, who), conf.content_hash)
    _signature(db, app_)
    from app.services.signatures import FaceCheckRequired, StaleVersion
    with pytest.raises(FaceCheckRequired):
        enf.confirm_receipt(conf, app_, None, conf.content_hash)
    with pytest.raises(StaleVersion):
        enf.confirm_receipt(conf, app_, _face(db, app_), "0" * 64)
    enf.confirm_receipt(conf, app_, _face(db, app_), conf.content_hash)
    db.session.commit()
    assert enf.confirm_receipt(conf, app_, _face(db, app_), conf.content_hash) is conf  # a second tap: same answer
    ex = enf.execution_for(case)
    assert ex.status == "completed" and ex.closing_reason == "enforcement_completed"
    assert case.state == "closed" and conf.signature_application_id is not None
    assert ex.closing_file is not None and ex.closing_file.content_type == "application/pdf"
    with pytest.raises(enf.NotOpen):
        enf.record_entry(case, judge, kind="payment", amount="1", on_date="2026-12-02")


def test_notice_and_property_order_are_served_with_a_reporting_item(db, people, make_enforcement):
    from app.models import ServiceOfDocument
    from app.services import e_service, storage
    case = make_enforcement()
    respondent_party = next(p for p in case.parties if p.role == "respondent")
    # The court records the respondent's consent and number, and the respondent confirms it in person.
    e_service.record_consent(case, respondent_party, people["judge"], "explicit", address=people["respondent"].phone)
    pending = next(r for r in e_service.addresses_for(case, people["judge"]) if r.party_id == respondent_party.id)
    e_service.confirm_address_in_person(pending, people["judge"], "身份证已核对，号码当面复述无误")
    with pytest.raises(NotAllowed):
        enf.serve_opening_documents(case, people["applicant"], report_by=utcnow() + timedelta(days=5))
    out = enf.serve_opening_documents(case, people["judge"], report_by=utcnow() + timedelta(days=5))
    db.session.commit()
    notice, served, paper = out["notice"]
    assert notice.content_type == "application/pdf" and storage.read_bytes(notice).startswith(b"%PDF")
    assert [s.party_id for s in served] == [respondent_party.id] and paper == []
    titles = {s.title for s in db.session.scalars(db.select(ServiceOfDocument))}
    assert titles == {"执行通知书", "报告财产令"}
    from app.services.hearings import items_of
    items = items_of(enf.execution_for(case).hearing)
    assert len(items) == 1 and items[0].deadline > utcnow()
    assert [a.party_id for a in items[0].addressees] == [respondent_party.id]


def test_settlement_suspends_performing_closes_breaking_resumes(db, people, make_enforcement):
    judge, app_, resp = people["judge"], people["applicant"], people["respondent"]
    for user in (app_, resp):
        _signature(db, user)
    case = make_enforcement(amount="1000")
    s = enf.record_settlement(case, judge, terms="被执行人于2026年12月31日前分两期付清1,000元。")
    with pytest.raises(NotAllowed):
        enf.sign_settlement(s, people["outsider"], _face(db, people["outsider"]), s.content_hash)
    enf.sign_settlement(s, app_, _face(db, app_), s.content_hash)
    assert s.state == "signing" and enf.execution_for(case).status == "open"
    enf.sign_settlement(s, resp, _face(db, resp), s.content_hash)
    assert s.state == "in_force" and enf.execution_for(case).status == "suspended"
    assert case.state != "closed" and case.state != "mediated"  # a settlement suspends; it does not close
    enf.end_settlement(s, judge, performed=False, note="第一期未按期支付")
    assert enf.execution_for(case).status == "open"
    with pytest.raises(enf.SettlementNotInForce):
        enf.end_settlement(s, judge, performed=True)
    s2 = enf.record_settlement(case, judge, terms="被执行人于2027年1月10日前一次性付清。")
    enf.sign_settlement(s2, app_, _face(db, app_), s2.content_hash)
    enf.sign_settlement(s2, resp, _face(db, resp), s2.content_hash)
    enf.end_settlement(s2, judge, performed=True, note="已履行")
    assert enf.execution_for(case).status == "completed" and case.state == "closed"


def test_measures_are_recorded_with_dates_and_reason(db, people, make_enforcement):
    case = make_enforcement()
    resp_party = next(p for p in case.parties if p.role == "respondent")
    with pytest.raises(NotAllowed):
        enf.record_measure(case, people["applicant"], kind="consumption_ban", party=resp_party,
                           start_on="2026-12-01", reason="x")
    with pytest.raises(enf.BadDate):
        enf.record_measure(case, people["judge"], kind="consumption_ban", party=resp_party,
                           start_on="2026-12-01", end_on="2026-11-01", reason="未履行")
    with pytest.raises(DomainError):  # only against the respondent
        enf.record_measure(case, people["judge"], kind="dishonest_list", party=case.parties[0],
                           start_on="2026-12-01", reason="x")
    m = enf.record_measure(case, people["judge"], kind="dishonest_list", party=resp_party, start_on="2026-12-01",
                           end_on="2028-12-01", reason="有履行能力而拒不履行")
    assert m.start_on == date(2026, 12, 1) and m.end_on == date(2028, 12, 1)


def test_termination_needs_an_interview_with_every_condition(db, people, make_enforcement):
    from app.models.enforcement import TERMINATION_CONDITIONS
    case = make_enforcement()
    judge = people["judge"]
    with pytest.raises(enf.NoInterview):
        enf.terminate(case, judge)
    enf.record_interview(case, judge, held_on="2026-12-01", notes="告知终本依据", conditions=["order_served"])
    with pytest.raises(enf.ConditionsNotMet):
        enf.terminate(case, judge)
    enf.record_interview(case, judge, held_on="2026-12-02", notes="申请执行人无异议", conditions=list(TERMINATION_CONDITIONS),
                         applicant_view="同意终本")
    with pytest.raises(NotAllowed):
        enf.terminate(case, people["applicant"])
    ex = enf.terminate(case, judge)
    assert ex.status == "terminated" and ex.closing_reason == "enforcement_terminated" and case.state == "closed"
    assert ex.closing_file is not None


def test_documents_say_the_enforcement_words(db, people, make_enforcement, tmp_path):
    """执行通知书 names 申请执行人/被执行人; the acceptance notice says 强制执行申请书, not 起诉状."""
    from app.services import pdf, storage
    from app.services.transcripts import ROLE_LABELS
    from tests.services.documents_helpers import pdftotext
    assert (ROLE_LABELS["applicant"], ROLE_LABELS["respondent"]) == ("申请执行人", "被执行人")
    text = pdftotext(pdf.render_acceptance_notice({"court_name": "测试法院", "case_number": "(2026)沪0101执1号",
                                                   "case_title": "t", "kind": "enforcement",
                                                   "accepted_at": utcnow()}), tmp_path)
    assert "强制执行申请书" in text and "起诉状" not in text
    case = make_enforcement()
    stored = enf._issue(enf.execution_for(case), people["judge"], "notice")
    text = pdftotext(storage.read_bytes(stored), tmp_path).replace("\n", "")
    assert "申请执行人" in text and "被执行人" in text and "23,084.00" in text
