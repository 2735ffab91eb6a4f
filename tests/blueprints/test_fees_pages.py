"""The fee page, paying through the loopback gateway, the signed callback route, relief and receipts."""
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models.fees import CourtFee, FeePayment
from app.services import fees
from app.services.payments import SIGNATURE_HEADER, sign
from tests.loopback_gateway import LoopbackGateway


@pytest.fixture
def world(db, make_user, make_court, make_case):
    court = make_court()
    judge, clerk = make_user("judge", court=court), make_user("clerk", court=court)
    case = make_case(court=court, defendant=make_user("litigant"))
    case.amount, case.judge_id = Decimal("100000"), judge.id
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


def _callback(client, body, secret):
    return client.post("/fees/callback", data=body, csrf=False, content_type="application/json",
                       headers={SIGNATURE_HEADER: sign(secret, body)})


def test_the_payer_pays_online_and_the_signed_callback_is_idempotent(client, db, auth, world, gateway):
    case, fee, judge, clerk = world
    payer = fee.party.user
    auth.login(payer)
    page = client.get(f"/cases/{case.id}/fees").get_data(as_text=True)
    assert "2300.00" in page and "交费通知书" in page
    resp = client.post(f"/cases/{case.id}/fees/{fee.id}/pay")
    assert resp.status_code == 302 and resp.location.startswith(gateway.url + "/pay/")
    gid = resp.location.rsplit("/", 1)[1]
    body = gateway.callback_body(gid)
    bad = _callback(client, body, "forged")
    assert bad.status_code == 400 and json.loads(bad.data)["error"] == "BadSignature"
    changed = gateway.callback_body(gid, amount="1.00")
    assert _callback(client, changed, gateway.secret).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(FeePayment)) == 0
    ok = _callback(client, body, gateway.secret)
    again = _callback(client, body, gateway.secret)
    assert ok.status_code == 200 and json.loads(ok.data)["duplicate"] is False
    assert again.status_code == 200 and json.loads(again.data)["duplicate"] is True
    assert db.session.get(CourtFee, fee.id).state == "paid"
    assert db.session.scalar(select(func.count()).select_from(FeePayment)) == 1


def test_an_outsider_sees_no_fee_and_cannot_pay(client, db, auth, world, make_user, gateway):
    case, fee, judge, clerk = world
    auth.login(make_user("litigant"))
    assert client.get(f"/cases/{case.id}/fees").status_code == 404
    assert client.post(f"/cases/{case.id}/fees/{fee.id}/pay").status_code == 404
    assert client.get(f"/cases/{case.id}/fees/{fee.id}/notice.pdf").status_code == 404


def test_pay_needs_csrf_and_the_callback_does_not(client, db, auth, world, gateway):
    case, fee, judge, clerk = world
    auth.login(fee.party.user)
    assert client.post(f"/cases/{case.id}/fees/{fee.id}/pay", csrf=False).status_code in (302, 400)
    assert fee.state == "due" and not gateway.orders


def test_relief_application_and_decision_and_a_clerks_receipt(client, db, auth, world, make_client):
    case, fee, judge, clerk = world
    auth.login(fee.party.user)
    resp = client.post(f"/cases/{case.id}/fees/{fee.id}/relief", data={"kind": "reduce", "reason": ""})
    assert resp.status_code == 400  # the reasons are required; the page says so
    client.post(f"/cases/{case.id}/fees/{fee.id}/relief", data={"kind": "reduce", "reason": "家庭困难"})
    relief = db.session.get(CourtFee, fee.id).reliefs[0]
    judge_client = make_client()
    auth.login(judge, c=judge_client)
    resp = judge_client.post(f"/cases/{case.id}/fees/reliefs/{relief.id}",
                             data={"decision": "grant", "reasons": "符合条件", "new_amount": "99999"})
    assert resp.status_code == 302 and db.session.get(CourtFee, fee.id).amount_due == Decimal("2300.00")
    judge_client.post(f"/cases/{case.id}/fees/reliefs/{relief.id}",
                      data={"decision": "grant", "reasons": "符合条件", "new_amount": "1000"})
    assert db.session.get(CourtFee, fee.id).amount_due == Decimal("1000.00")
    clerk_client = make_client()
    auth.login(clerk, c=clerk_client)
    clerk_client.post(f"/cases/{case.id}/fees/{fee.id}/receipt", data={"amount": "1000", "reference": "SH-0001"})
    assert db.session.get(CourtFee, fee.id).state == "paid"
