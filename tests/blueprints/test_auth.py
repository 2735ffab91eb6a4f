"""Signing in and out, one test per threat."""
import logging
import re
from datetime import timedelta

from sqlalchemy import select

from app.models import ActionLink, LoginCode, SmsMessage, UserSession, utcnow


def _last_code(db, phone):
    msg = db.session.scalars(select(SmsMessage).where(SmsMessage.phone == phone).order_by(SmsMessage.id.desc())).first()
    return re.search(r"(\d{6})", msg.body).group(1)


def test_staff_password_sign_in(client, make_user):
    judge = make_user("judge", password="s3cret-pass")
    resp = client.post("/signin/staff", data={"username": judge.username, "password": "s3cret-pass"})
    assert resp.status_code == 302 and resp.location == "/"
    assert client.get("/").status_code == 200


def test_staff_password_is_rate_limited_after_five_failures(client, make_user):
    judge = make_user("judge", password="s3cret-pass")
    for _ in range(5):
        assert client.post("/signin/staff", data={"username": judge.username, "password": "nope"}).status_code == 401
    resp = client.post("/signin/staff", data={"username": judge.username, "password": "s3cret-pass"})
    assert resp.status_code == 429
    assert "请稍等" in resp.get_data(as_text=True)


def test_litigant_cannot_use_password_form(client, make_user):
    user = make_user("litigant", password="pw-pw-pw")
    resp = client.post("/signin/staff", data={"username": user.phone, "password": "pw-pw-pw"})
    assert resp.status_code == 401


def test_sms_code_sign_in(client, db, make_user):
    user = make_user("litigant", phone="13912345678")
    resp = client.post("/signin/phone", data={"phone": "+86 139-1234-5678"})
    assert resp.status_code == 302 and "/signin/code" in resp.location
    resp = client.post("/signin/code", data={"phone": user.phone, "code": _last_code(db, user.phone)})
    assert resp.status_code == 302
    assert user.name in client.get("/").get_data(as_text=True)


def test_wrong_code_is_refused_with_message(client, db, make_user, caplog):
    user = make_user("litigant")
    client.post("/signin/phone", data={"phone": user.phone})
    good = _last_code(db, user.phone)
    bad = "000000" if good != "000000" else "111111"
    with caplog.at_level(logging.INFO, logger="microcourt.audit"):
        resp = client.post("/signin/code", data={"phone": user.phone, "code": bad})
    assert resp.status_code == 400
    assert "验证码错误或已过期" in resp.get_data(as_text=True)
    assert any("sign-in code wrong" in r.message for r in caplog.records)


def test_code_stops_working_after_five_wrong_tries(client, db, make_user):
    user = make_user("litigant")
    client.post("/signin/phone", data={"phone": user.phone})
    good = _last_code(db, user.phone)
    for _ in range(5):
        client.post("/signin/code", data={"phone": user.phone, "code": "000000" if good != "000000" else "111111"})
    assert client.post("/signin/code", data={"phone": user.phone, "code": good}).status_code == 400


def test_expired_code_is_refused(client, db, make_user):
    user = make_user("litigant")
    client.post("/signin/phone", data={"phone": user.phone})
    code = _last_code(db, user.phone)
    row = db.session.scalars(select(LoginCode)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = client.post("/signin/code", data={"phone": user.phone, "code": code})
    assert resp.status_code == 400


def test_unknown_number_gets_the_same_answer_and_no_sms(client, db, make_user):
    known = make_user("litigant")
    r1 = client.post("/signin/phone", data={"phone": known.phone})
    r2 = client.post("/signin/phone", data={"phone": "13700000000"})
    assert r1.status_code == r2.status_code == 302
    assert client.get(r2.location).status_code == 200
    assert db.session.scalar(select(SmsMessage).where(SmsMessage.phone == "13700000000")) is None


def test_not_a_mobile_number(client):
    resp = client.post("/signin/phone", data={"phone": "021-12345678"})
    assert resp.status_code == 400
    assert "不是中国大陆手机号" in resp.get_data(as_text=True)


def test_sms_per_number_cap(client, db, make_user):
    user = make_user("litigant")
    codes = [client.post("/signin/phone", data={"phone": user.phone}).status_code for _ in range(6)]
    assert codes == [302] * 5 + [429]
    assert db.session.query(SmsMessage).count() == 5


def test_sms_per_ip_cap(app, client, db):
    app.config["LIMIT_SMS_PER_IP"] = "3 per hour"
    try:
        codes = [client.post("/signin/phone", data={"phone": f"1370000000{i}"}).status_code for i in range(4)]
    finally:
        app.config["LIMIT_SMS_PER_IP"] = "20 per hour"
    assert codes == [302, 302, 302, 429]


def test_link_get_only_shows_confirm_page(client, db, make_user):
    from app.services.auth import create_action_link
    user = make_user("litigant")
    path = create_action_link(user, "/")
    db.session.commit()
    for _ in range(3):  # link scanners and chat previews
        resp = client.get(path)
        assert resp.status_code == 200
        assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert db.session.scalar(select(ActionLink.used_at)) is None
    assert client.get("/").status_code == 302  # still signed out


def test_link_post_signs_in_once(client, make_client, db, make_user):
    from app.services.auth import create_action_link
    user = make_user("litigant")
    path = create_action_link(user, "/")
    db.session.commit()
    assert client.post(path).status_code == 302
    assert client.get("/").status_code == 200
    other = make_client()
    resp = other.post(path)
    assert resp.status_code == 410
    assert "已经使用过" in resp.get_data(as_text=True)


def test_tampered_and_expired_links(client, db, make_user):
    from app.services.auth import create_action_link
    user = make_user("litigant")
    path = create_action_link(user, "/")
    db.session.commit()
    assert client.get(path[:-2] + "xx").status_code == 404
    db.session.scalars(select(ActionLink)).one().expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    resp = client.post(path)
    assert resp.status_code == 410 and "已过期" in resp.get_data(as_text=True)


def test_link_target_is_kept_on_site(client, db, make_user):
    from app.services.auth import create_action_link
    user = make_user("litigant")
    path = create_action_link(user, "//evil.example/x")
    db.session.commit()
    assert client.post(path).location == "/"


def test_session_regenerates_and_dies_on_sign_out(client, make_client, db, make_user, auth):
    user = make_user("litigant")
    auth.login(user)
    first = client.get_cookie("session").value
    auth.login(user)
    second = client.get_cookie("session").value
    assert first != second
    assert db.session.query(UserSession).count() == 2
    auth.logout()
    replay = make_client()
    replay.set_cookie("session", second)
    assert replay.get("/").status_code == 302


def test_post_without_csrf_is_refused(client, make_user, caplog):
    make_user("judge", password="pw")
    with caplog.at_level(logging.INFO, logger="microcourt.audit"):
        resp = client.post("/signin/phone", data={"phone": "13800000001"}, csrf=False)
    assert resp.status_code == 400
    assert "表单已过期" in resp.get_data(as_text=True)
    assert any("csrf refused" in r.message for r in caplog.records)


def test_english_from_accept_language_and_switch(client):
    assert "Sign in" in client.get("/signin", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "登录" in client.get("/signin", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    client.get("/lang/en?next=/signin")
    assert "Sign in" in client.get("/signin", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_security_headers(client):
    resp = client.get("/signin")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_home_lists_only_my_cases(client, auth, make_user, make_case):
    me, other = make_user("litigant"), make_user("litigant")
    mine, theirs = make_case(filer=me), make_case(filer=other)
    auth.login(me)
    page = client.get("/").get_data(as_text=True)
    assert mine.case_number in page and theirs.case_number not in page


def test_home_fragment_for_htmx(client, htmx, auth, make_user):
    auth.login(make_user("litigant"))
    resp = htmx.get("/")
    assert resp.status_code == 200 and "<html" not in resp.get_data(as_text=True)
    assert "HX-Request" in resp.headers["Vary"]


def test_home_pages_through_a_busy_court(client, auth, make_user, make_court, make_case):
    court = make_court()
    judge = make_user("judge", court=court)
    for _ in range(35):
        make_case(court=court)
    auth.login(judge)
    # a judge's home is the workbench; the court's cases are listed from /?page=1
    first = client.get("/?page=1").get_data(as_text=True)
    assert first.count('class="card case"') == 30 and "page=2" in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert second.count('class="card case"') == 5 and "page=1" in second
