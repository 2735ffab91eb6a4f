"""The plaintiff is asked about electronic service, with real choices and her number filled in
(issue #14, item 9)."""
from app.services import consent as consent_service


def test_the_filer_is_asked_and_the_form_has_real_choices_and_her_phone(client, db, auth, make_user, make_case):
    filer = make_user("litigant", phone="13800001111")
    case = make_case(filer=filer)
    auth.login(filer)
    client.set_cookie("lang", "zh")
    home = client.get("/").get_data(as_text=True)
    url = f"/cases/{case.id}/service/consent"
    assert f'href="{url}"' in home[home.index('id="needs"'):]
    html = client.get(url).get_data(as_text=True)
    form = html[html.index('id="consent"'):]
    assert 'value="13800001111"' in form
    assert 'name="answer" value="yes"' in form and 'name="answer" value="no"' in form
    assert "<select" not in form  # no one-option selects
    resp = client.post(url, data={"party": case.parties[0].id, "how": "explicit", "answer": "yes",
                                  "address": "13800001111"})
    assert resp.status_code == 302
    row = consent_service.current(case, case.parties[0], "e_service")
    assert row.given and row.address == "13800001111"
    assert f'href="{url}"' not in client.get("/").get_data(as_text=True)


def test_a_party_may_choose_paper(client, db, auth, make_user, make_case):
    filer = make_user("litigant")
    case = make_case(filer=filer)
    auth.login(filer)
    resp = client.post(f"/cases/{case.id}/service/consent", data={"party": case.parties[0].id, "how": "explicit",
                                                                  "answer": "no", "address": ""})
    assert resp.status_code == 302
    row = consent_service.current(case, case.parties[0], "e_service")
    assert row is not None and not row.given
