"""Irreversible acts ask on a page of their own (JS off too), apart from everyday buttons (issue #14, item 7)."""
import re
from datetime import timedelta

import pytest

from app.models import utcnow
from app.services import hearings as svc
from tests.services.test_hearings import build_room


@pytest.fixture
def room(db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court)
    r.item = svc.post_item(r.hearing, r.judge, "请提交单据", parties=[r.d_party], deadline=utcnow() + timedelta(days=1))
    db.session.commit()
    r.url = f"/cases/{r.case.id}/hearings/{r.hearing.id}"
    return r


def _forms_posting_to(html, action):
    return re.findall(rf'<form[^>]*action="{re.escape(action)}"', html)


def _confirm(client, page_url, link, action):
    """The page links to the confirm step and has no one-tap form for the act; the step posts it."""
    html = client.get(page_url).get_data(as_text=True)
    assert f'href="{link}"' in html
    assert not _forms_posting_to(html, action)
    step = client.get(link)
    assert step.status_code == 200
    body = step.get_data(as_text=True)
    assert _forms_posting_to(body, action) and 'name="confirm" value="yes"' in body
    return body


def test_closing_a_hearing_and_an_item_go_through_a_confirm_page(client, auth, db, room):
    auth.login(room.judge)
    _confirm(client, room.url, f"{room.url}/close/confirm", f"{room.url}/close")
    item_url = f"{room.url}/items/{room.item.id}"
    _confirm(client, item_url, f"{item_url}/close/confirm", f"{item_url}/close")
    client.post(f"{item_url}/close", data={"confirm": "yes"})
    db.session.refresh(room.item)
    assert not room.item.is_open
    assert client.get(f"{item_url}/close/confirm").status_code == 404  # nothing left to confirm
    resp = client.post(f"{room.url}/close", data={"confirm": "yes"})
    assert resp.status_code == 302
    db.session.refresh(room.hearing)
    assert not room.hearing.is_open


def test_withdrawing_consent_goes_through_a_confirm_page(client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    body = _confirm(client, room.url, f"{room.url}/consent/withdraw/confirm", f"{room.url}/consent/withdraw")
    assert "href=\"%s\"" % room.url in body  # the way back


def test_confirm_pages_are_404_for_outsiders_and_parties_who_cannot_act(client, auth, db, room):
    auth.login(room.outsider, face=True)
    for url in (f"{room.url}/close/confirm", f"{room.url}/items/{room.item.id}/close/confirm",
                f"{room.url}/consent/withdraw/confirm", f"/filings/{room.case.filing_ref}/withdraw/confirm",
                f"/review/{room.case.filing_ref}/accept/confirm", f"/cases/{room.case.id}/withdraw/grant/confirm"):
        assert client.get(url).status_code == 404, url
    auth.logout()
    auth.login(room.plaintiff, face=True)
    assert client.get(f"{room.url}/close/confirm").status_code == 404
    assert client.get(f"/review/{room.case.filing_ref}/accept/confirm").status_code == 404


def test_withdrawing_a_filing_and_accepting_one_go_through_a_confirm_page(client, auth, db, make_user, make_case):
    filer = make_user("litigant")
    case = make_case(filer=filer, state="submitted", number=False)
    judge = make_user("judge", court=case.court)
    auth.login(judge)
    _confirm(client, f"/review/{case.filing_ref}", f"/review/{case.filing_ref}/accept/confirm",
             f"/review/{case.filing_ref}/accept")
    client.post(f"/review/{case.filing_ref}/accept", data={"revision": case.revision, "confirm": "yes"})
    db.session.refresh(case)
    assert case.state == "accepted" and case.case_number
    auth.logout()
    draft = make_case(filer=filer, state="draft", number=False)
    auth.login(filer)
    body = _confirm(client, f"/filings/{draft.filing_ref}", f"/filings/{draft.filing_ref}/withdraw/confirm",
                    f"/filings/{draft.filing_ref}/withdraw")
    assert f'name="revision" value="{draft.revision}"' in body


def test_refusing_a_filing_asks_first_and_keeps_the_reasons(client, auth, db, make_user, make_case):
    filer = make_user("litigant")
    case = make_case(filer=filer, state="submitted", number=False)
    judge = make_user("judge", court=case.court)
    auth.login(judge)
    page = client.get(f"/review/{case.filing_ref}").get_data(as_text=True)
    assert _forms_posting_to(page, f"/review/{case.filing_ref}/reject/confirm")
    assert not _forms_posting_to(page, f"/review/{case.filing_ref}/reject")
    step = client.post(f"/review/{case.filing_ref}/reject/confirm", data={"revision": case.revision,
                                                                          "reasons": "不属于本院管辖"})
    body = step.get_data(as_text=True)
    assert step.status_code == 200 and "不属于本院管辖</textarea>" in body
    assert _forms_posting_to(body, f"/review/{case.filing_ref}/reject")
    db.session.refresh(case)
    assert case.state == "submitted"  # asking changed nothing
    client.post(f"/review/{case.filing_ref}/reject", data={"revision": case.revision, "reasons": "不属于本院管辖",
                                                           "confirm": "yes"})
    db.session.refresh(case)
    assert case.state == "rejected"


def test_the_withdrawal_application_asks_first_and_only_the_plaintiff_may_ask(client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    html = client.get(f"/cases/{room.case.id}/closing").get_data(as_text=True)
    assert _forms_posting_to(html, f"/cases/{room.case.id}/withdraw/confirm")
    step = client.post(f"/cases/{room.case.id}/withdraw/confirm", data={"note": "双方已和解"})
    assert step.status_code == 200 and "双方已和解</textarea>" in step.get_data(as_text=True)
    auth.logout()
    auth.login(room.defendant, face=True)
    assert client.post(f"/cases/{room.case.id}/withdraw/confirm", data={"note": "x"}).status_code == 404
