"""Small page-level promises: the favicon, the language switch after a failed POST."""


def test_favicon_is_an_icon_cached_for_a_while(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200 and resp.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    assert "max-age=604800" in resp.headers["Cache-Control"]
    assert resp.data[:4] == b"\x00\x00\x01\x00"


def test_language_switch_from_a_page_rendered_by_a_post_lands_on_a_get_page(client, auth, make_user, make_case):
    user = make_user("litigant")
    case = make_case(filer=user, state="draft", number=False)
    auth.login(user)
    # The page that shows a form's errors has the POST's URL; switching language must go to a page.
    resp = client.get(f"/lang/en?next=/filings/{case.filing_ref}/parties")
    assert resp.status_code == 302
    target = resp.headers["Location"]
    assert client.get(target).status_code == 200, target
    assert client.get("/lang/zh?next=/nowhere/at/all").headers["Location"] == "/"
    assert client.get("/lang/zh?next=//evil.example/x").headers["Location"] == "/"
    assert client.get("/lang/zh?next=/%3Fpage=2").status_code == 302
