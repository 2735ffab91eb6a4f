"""Court document pages: the judge drafts and signs, the clerk seals, parties see only issued documents."""
import re
from decimal import Decimal

import pytest

from app.models import Case, CourtDocument
from app.services import consent as consent_service


@pytest.fixture
def world(db, make_user, make_court, make_case):
    court = make_court()
    judge, clerk = make_user("judge", court=court, name="张俊"), make_user("clerk", court=court, name="李敏")
    defendant = make_user("litigant", name="陈强")
    case = make_case(court=court, defendant=defendant, state="hearing")
    case.amount, case.judge_id, case.claims, case.facts = Decimal("8000"), judge.id, "支付8000元。", "借款未还。"
    consent_service.record_consent(case, case.parties[1], "e_service", True, defendant, address=defendant.phone)
    db.session.commit()
    return case, judge, clerk


def _hash(page):
    return re.search(r'name="doc_hash" type="hidden" value="([0-9a-f]{64})"', page).group(1)


def test_judge_drafts_signs_clerk_seals_and_serves(client, make_client, db, auth, world, make_user):
    case, judge, clerk = world
    auth.login(judge)
    resp = client.post(f"/cases/{case.id}/court-documents/new?kind=judgment", data={"orders": ""})
    assert resp.status_code == 400  # no operative part: said on the form, nothing saved
    resp = client.post(f"/cases/{case.id}/court-documents/new?kind=judgment",
                       data={"findings": "借款属实。", "reasoning": "应当归还。", "orders": "被告陈强归还原告借款8000元。"})
    assert resp.status_code == 302
    doc = db.session.query(CourtDocument).one()
    party = make_client()
    auth.login(case.parties[0].user, c=party)
    assert party.get(f"/court-documents/{doc.id}").status_code == 404  # a draft is the court's own
    page = client.get(f"/court-documents/{doc.id}").get_data(as_text=True)
    assert "被告陈强归还原告借款8000元" in page
    assert client.post(f"/court-documents/{doc.id}/sign", data={"doc_hash": "0" * 64}).status_code == 302
    assert db.session.get(CourtDocument, doc.id).state == "draft"  # a stale hash signs nothing
    client.post(f"/court-documents/{doc.id}/sign", data={"doc_hash": _hash(page)})
    assert db.session.get(CourtDocument, doc.id).state == "signed"
    clerk_client = make_client()
    auth.login(clerk, c=clerk_client)
    page = clerk_client.get(f"/court-documents/{doc.id}").get_data(as_text=True)
    clerk_client.post(f"/court-documents/{doc.id}/countersign", data={"doc_hash": _hash(page)})
    clerk_client.post(f"/court-documents/{doc.id}/serve")
    doc = db.session.get(CourtDocument, doc.id)
    assert doc.state == "issued" and db.session.get(Case, case.id).state == "decided"
    assert party.get(f"/court-documents/{doc.id}").status_code == 200
    pdf = party.get(f"/court-documents/{doc.id}/document.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Disposition"].startswith("attachment")
    outsider = make_client()
    auth.login(make_user("litigant"), c=outsider)
    assert outsider.get(f"/court-documents/{doc.id}").status_code == 404
    assert outsider.get(f"/cases/{case.id}/court-documents").status_code == 404
