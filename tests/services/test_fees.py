"""Court fees (诉讼费): the worked examples of the fee rules, the notice, the gateway, relief, not paying."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import Case
from app.models.fees import CourtFee, FeePayment
from app.services import fees, lifecycle
from app.services.errors import NotAllowed
from app.services.payments import HttpGateway, sign
from tests.loopback_gateway import LoopbackGateway

D = Decimal


# --------------------------------------------------------------------------- the pure function

@pytest.mark.parametrize("amount, fee", [
    (8_000, "50.00"), (10_000, "50.00"), (100_000, "2300.00"), (150_000, "3300.00"), (1_000_000, "13800.00"),
    (0, "50.00"), ("10000.01", "50.00"), (200_000, "4300.00"), (500_000, "8800.00"),
    (2_000_000, "22800.00"), (5_000_000, "46800.00"), (10_000_000, "81800.00"), (20_000_000, "141800.00"),
    (30_000_000, "191800.00"),
])
def test_property_fee_worked_examples_of_article_13(amount, fee):
    assert fees.property_fee(D(str(amount))) == D(fee)


def test_the_simplified_procedure_and_small_claims_halve_the_fee():
    assert fees.acceptance_fee("property", D(100_000), "ordinary").amount == D("2300.00")
    assert fees.acceptance_fee("property", D(100_000), "simplified").amount == D("1150.00")
    assert fees.acceptance_fee("property", D(150_000), "small_claims").amount == D("1650.00")
    assert fees.acceptance_fee("property", D(8_000), "simplified").amount == D("25.00")
    lines = fees.acceptance_fee("property", D(150_000), "simplified").lines
    assert any("减半" in line for line in lines) and any("2%" in line for line in lines)


def test_other_kinds_of_case_have_their_fixed_amounts_within_the_court_settings():
    s = {"divorce": 200, "personality": 300, "non_property": 80, "ip_no_amount": 800}
    assert fees.acceptance_fee("labour", settings=s).amount == D("10.00")
    assert fees.acceptance_fee("administrative", settings=s).amount == D("50.00")
    assert fees.acceptance_fee("administrative_ip", settings=s).amount == D("100.00")
    assert fees.acceptance_fee("non_property", settings=s).amount == D("80.00")
    assert fees.acceptance_fee("ip", settings=s).amount == D("800.00")
    assert fees.acceptance_fee("ip", D(100_000), settings=s).amount == D("2300.00")
    assert fees.acceptance_fee("divorce", settings=s).amount == D("200.00")
    assert fees.acceptance_fee("divorce", property_divided=D(300_000), settings=s).amount == D("700.00")
    assert fees.acceptance_fee("personality", damages=D(40_000), settings=s).amount == D("300.00")
    assert fees.acceptance_fee("personality", damages=D(80_000), settings=s).amount == D("600.00")
    assert fees.acceptance_fee("personality", damages=D(200_000), settings=s).amount == D("1300.00")
    with pytest.raises(fees.InvalidFeeSetting):
        fees.acceptance_fee("divorce", settings={"divorce": 400})
    with pytest.raises(ValueError):
        fees.acceptance_fee("property", None)


def test_application_fees_of_article_14():
    assert fees.enforcement_fee(D(10_000)) == D("50.00")
    assert fees.enforcement_fee(D(100_000)) == D("1400.00")            # 50 + 90,000 × 1.5%
    assert fees.enforcement_fee(D(1_000_000)) == D("12400.00")         # 50 + 7,350 + 5,000
    assert fees.enforcement_fee(settings={"enforcement_no_amount": 100}) == D("100.00")
    assert fees.preservation_fee(None) == D("30.00") and fees.preservation_fee(D(1000)) == D("30.00")
    assert fees.preservation_fee(D(100_000)) == D("1020.00")           # 30 + 99,000 × 1%
    assert fees.preservation_fee(D(200_000)) == D("1520.00")
    assert fees.preservation_fee(D(10_000_000)) == D("5000.00")        # capped
    assert fees.payment_order_fee(D(100_000)) == D("766.67")


# --------------------------------------------------------------------------- on a case

@pytest.fixture
def fee_case(db, make_user, make_court, make_case):
    court = make_court()
    judge, clerk = make_user("judge", court=court), make_user("clerk", court=court)
    case = make_case(court=court, defendant=make_user("litigant"))
    case.amount, case.judge_id = D("150000.00"), judge.id
    fee = fees.assess_on_acceptance(case, clerk)
    db.session.commit()
    return case, fee, judge, clerk


@pytest.fixture
def gateway(app):
    gw = LoopbackGateway()
    app.config.update(PAYMENT_GATEWAY="http", PAYMENT_GATEWAY_URL=gw.url, PAYMENT_GATEWAY_SECRET=gw.secret)
    yield gw
    app.config.update(PAYMENT_GATEWAY=None, PAYMENT_GATEWAY_URL=None, PAYMENT_GATEWAY_SECRET=None)
    gw.close()


def test_acceptance_assesses_the_fee_and_files_a_payment_notice(db, fee_case):
    case, fee, judge, clerk = fee_case
    db.session.refresh(fee)
    assert fee.amount_due == D("3300.00") and fee.state == "due" and fee.party.role == "plaintiff"
    assert (fee.due_on - fee.created_at.date()).days in (7, 8)  # 7 days in court time
    assert fee.notice_file is not None and fee.notice_file.original_name.startswith("交费通知书")
    assert fees.assess_on_acceptance(case, clerk) is None  # once per case


def _order(db, fee, gateway):
    order = fees.start_online_payment(fee, fee.party.user, HttpGateway(gateway.url, gateway.secret), "http://x/back")
    db.session.commit()
    gid = order.gateway_id
    assert gateway.orders[gid]["amount"] == "3300.00" and gateway.orders[gid]["order_ref"] == order.order_ref
    return order, gid


def test_a_signed_callback_pays_the_fee_once_and_a_repeat_changes_nothing(db, fee_case, gateway):
    case, fee, judge, clerk = fee_case
    order, gid = _order(db, fee, gateway)
    gw = HttpGateway(gateway.url, gateway.secret)
    body = gateway.callback_body(gid)
    payment, new = fees.record_gateway_payment(gw, body, sign(gateway.secret, body))
    db.session.commit()
    assert new and fee.state == "paid" and fee.outstanding == 0
    again, new = fees.record_gateway_payment(gw, body, sign(gateway.secret, body))
    db.session.commit()
    assert not new and again.id == payment.id
    assert db.session.scalar(select(func.count()).select_from(FeePayment)) == 1


def test_a_bad_signature_or_a_changed_amount_is_refused_and_records_nothing(db, fee_case, gateway):
    case, fee, judge, clerk = fee_case
    order, gid = _order(db, fee, gateway)
    gw = HttpGateway(gateway.url, gateway.secret)
    body = gateway.callback_body(gid)
    with pytest.raises(fees.BadSignature):
        fees.record_gateway_payment(gw, body, sign("not-the-secret", body))
    with pytest.raises(fees.BadSignature):
        fees.record_gateway_payment(gw, body, "")
    changed = gateway.callback_body(gid, amount="33.00")
    with pytest.raises(fees.BadSignature):  # the body was changed after signing
        fees.record_gateway_payment(gw, changed, sign(gateway.secret, body))
    with pytest.raises(fees.WrongAmount):  # signed, but not the order's amount
        fees.record_gateway_payment(gw, changed, sign(gateway.secret, changed))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FeePayment)) == 0
    assert db.session.get(CourtFee, fee.id).state == "due"


def test_orders_are_signed_and_only_the_payer_may_start_one(db, fee_case, gateway):
    case, fee, judge, clerk = fee_case
    with pytest.raises(NotAllowed):
        fees.start_online_payment(fee, clerk, HttpGateway(gateway.url, gateway.secret), "http://x")
    with pytest.raises(fees.NoGateway):
        fees.start_online_payment(fee, fee.party.user, None, "http://x")
    from app.services.payments import GatewayError
    with pytest.raises(GatewayError):  # the gateway refuses an order signed with another secret
        fees.start_online_payment(fee, fee.party.user, HttpGateway(gateway.url, "wrong"), "http://x")
    assert gateway.refused_orders == 1


def test_a_finance_clerk_records_a_receipt_once(db, fee_case):
    case, fee, judge, clerk = fee_case
    with pytest.raises(fees.WrongAmount):
        fees.record_clerk_payment(fee, clerk, "4000", "R-1")
    with pytest.raises(NotAllowed):
        fees.record_clerk_payment(fee, fee.party.user, "3300", "R-1")
    fees.record_clerk_payment(fee, clerk, "1300", "R-1")
    fees.record_clerk_payment(fee, clerk, "1300", "R-1")  # the same receipt twice
    db.session.commit()
    assert fee.outstanding == D("2000.00") and fee.state == "due"
    fees.record_clerk_payment(fee, clerk, "2000", "R-2")
    db.session.commit()
    assert fee.state == "paid" and len(fee.payments) == 2


def test_relief_is_decided_by_the_court(db, fee_case):
    case, fee, judge, clerk = fee_case
    payer = fee.party.user
    relief = fees.apply_for_relief(fee, payer, "reduce", "家庭困难，有低保证明")
    db.session.commit()
    with pytest.raises(fees.ReliefPending):
        fees.apply_for_relief(fee, payer, "waive", "再次申请")
    with pytest.raises(NotAllowed):
        fees.decide_relief(relief, payer, True, "自己批准", new_amount="100")
    with pytest.raises(fees.WrongAmount):
        fees.decide_relief(relief, judge, True, "符合条件", new_amount="5000")
    db.session.rollback()
    fees.decide_relief(relief, judge, True, "符合减交条件", new_amount="1650")
    db.session.commit()
    assert fee.amount_due == D("1650.00") and fee.assessed == D("3300.00") and relief.state == "granted"
    waiver = fees.apply_for_relief(fee, payer, "waive", "仍无力支付")
    fees.decide_relief(waiver, judge, True, "准予免交")
    db.session.commit()
    assert fee.state == "waived" and fee.outstanding == 0


def test_not_paying_allows_a_deemed_withdrawal_only_when_overdue_and_no_relief_pending(db, fee_case):
    case, fee, judge, clerk = fee_case
    with pytest.raises(fees.NotOverdue):
        fees.check_deemed_withdrawal(fee)
    later = fee.due_on + timedelta(days=1)
    fees.apply_for_relief(fee, fee.party.user, "defer", "下月发工资")
    with pytest.raises(fees.ReliefPending):
        fees.check_deemed_withdrawal(fee, today=later)
    assert fees.overdue_fees(case.court_id, today=later) == []
    fees.decide_relief(fee.reliefs[0], judge, False, "理由不成立")
    fees.check_deemed_withdrawal(fee, today=later)
    assert fees.overdue_fees(case.court_id, today=later) == [fee]
    lifecycle.transition(case, "deem_withdrawn", judge, reason="fee_not_paid")
    db.session.commit()
    assert db.session.get(Case, case.id).state == "deemed_withdrawn"


def test_the_fee_follows_the_procedure_while_nothing_is_paid(db, fee_case):
    case, fee, judge, clerk = fee_case
    lifecycle.set_procedure(case, judge, "simplified")
    db.session.commit()
    assert fee.amount_due == D("1650.00") and any("减半" in line for line in fee.basis)
    fees.record_clerk_payment(fee, clerk, "100", "R-9")
    lifecycle.set_procedure(case, judge, "ordinary")
    db.session.commit()
    assert fee.amount_due == D("1650.00")  # something was paid: the finance office settles the difference
    from app.models import CaseEvent
    assert db.session.scalar(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.seq.desc()).limit(1)) == "fee_reassessment_needed"
