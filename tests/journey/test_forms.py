"""Forms keep what was typed and show every error at once, at the top, with links (issue #14, item 5)."""
import re

from sqlalchemy import select

from app.models import Case
from app.services import filing

GOOD_ID = "11010519491231002X"


def _start(db, make_user, make_court):
    court = make_court()
    filer = make_user("litigant", name="王芳")
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    return case, filer


def _details(case, **kw):
    return {"revision": case.revision, "kind": "civil", "title": "王芳诉陈强买卖合同纠纷", "claims": "支付货款160000元",
            "facts": "2019年签订购销合同，被告未付清货款。", "amount": "", **kw}


def test_add_party_saves_the_unsaved_title_claims_and_facts(client, db, auth, make_user, make_court):
    case, filer = _start(db, make_user, make_court)
    auth.login(filer)
    page = client.get(f"/filings/{case.filing_ref}").get_data(as_text=True)
    # the party's fields and the "Add party" button belong to the details form
    assert 'form="filing-edit"' in page and f'formaction="/filings/{case.filing_ref}/parties"' in page
    resp = client.post(f"/filings/{case.filing_ref}/parties",
                       data={**_details(case), "role": "defendant", "name": "陈强", "phone": "13800000002"})
    assert resp.status_code == 302
    case = db.session.get(Case, case.id)
    assert case.title == "王芳诉陈强买卖合同纠纷" and case.claims == "支付货款160000元" and "购销合同" in case.facts
    assert [p.name for p in case.parties][-1] == "陈强"


def test_a_bad_party_keeps_everything_typed_and_lists_every_error_at_the_top(client, db, auth, make_user,
                                                                              make_court):
    case, filer = _start(db, make_user, make_court)
    auth.login(filer)
    client.set_cookie("lang", "zh")
    resp = client.post(f"/filings/{case.filing_ref}/parties", data={
        **_details(case), "role": "defendant", "name": "陈强", "id_number": GOOD_ID[:-1] + "1", "phone": "021-6321"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    summary = html[html.index('id="errors"'):]
    summary = summary[:summary.index("</div>")]
    assert summary.count("<li>") == 2  # the ID number and the phone, at once
    assert 'href="#id_number"' in summary and 'href="#phone"' in summary
    assert html.index('id="errors"') < html.index('id="details"')  # at the top, before the form
    for typed in ("王芳诉陈强买卖合同纠纷", "支付货款160000元", "2019年签订购销合同", "陈强", "021-6321"):
        assert typed in html[html.index('id="details"'):]
    assert len(db.session.get(Case, case.id).parties) == 1


def test_an_empty_name_and_a_bad_id_are_reported_together(client, db, auth, make_user, make_court):
    case, filer = _start(db, make_user, make_court)
    auth.login(filer)
    resp = client.post(f"/filings/{case.filing_ref}/parties", data={
        "revision": case.revision, "role": "defendant", "name": "", "id_number": GOOD_ID[:-1] + "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'href="#name"' in html and 'href="#id_number"' in html


def test_every_form_page_gets_the_summary(client, db, auth, make_user, make_court):
    """Another form (the start of a filing) shows the summary too, without any work in its template."""
    user = make_user("litigant")
    auth.login(user)
    resp = client.post("/filings/new", data={"court": "", "kind": ""})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="errors"' in html and re.search(r'href="#(court|kind)"', html)


def test_a_refused_resubmission_keeps_the_replies_typed_on_each_item(client, db, auth):
    from app import demo
    from app.models import User
    demo.seed()
    db.session.commit()
    case = db.session.scalar(select(Case).where(Case.filing_ref == "LA2026-DEMO03"))
    lawyer = db.session.scalar(select(User).where(User.name == "刘洋"))
    auth.login(lawyer, face=True)
    req = filing.open_correction(case)
    first = req.items[0]
    resp = client.post(f"/filings/{case.filing_ref}/resubmit", data={
        "revision": case.revision, "reply": "其余两项稍后补充", f"response-{first.id}": "申请书已重新签名"})
    assert resp.status_code == 400  # items 2 and 3 are neither changed nor explained
    html = resp.get_data(as_text=True)
    assert 'value="申请书已重新签名"' in html and "其余两项稍后补充" in html
    assert db.session.get(Case, case.id).state == "needs_correction"
