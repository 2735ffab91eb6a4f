"""Input that no field expects (NUL bytes, ids beyond 2^31, "²", NaN, 9999-12-31, over-long keys) gets a
400 or 404 with a clear message in the person's language, keeps what they typed, and changes nothing.
The error pages themselves cannot fail and keep the security headers."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.models import Case, utcnow
from app.models.hearing import HearingItem, Message
from app.services import filing
from tests.services.test_filing import complete_draft
from tests.services.test_hearings import build_room

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


def _has_security_headers(resp):
    return all(resp.headers.get(h) for h in SECURITY_HEADERS) and "frame-ancestors 'none'" in resp.headers[
        "Content-Security-Policy"]


@pytest.fixture
def draft(db, world, client, auth):
    court, _clerk, filer = world
    case = complete_draft(db, court, filer)
    auth.login(filer, face=True)
    return case


def _details(case, **changes):
    data = {"revision": str(case.revision), "kind": "civil", "title": case.title, "claims": case.claims,
            "facts": case.facts, "amount": "160000"}
    data.update(changes)
    return data


def test_nul_in_a_text_field_is_a_field_error_and_the_input_is_kept(client, db, draft):
    resp = client.post(f"/filings/{draft.filing_ref}/details", data=_details(draft, claims="支付货款\x00五万元",
                                                                              facts="被告一直没有付款。"))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "请删除此栏中不可见的控制字符" in body
    assert "被告一直没有付款。" in body  # the rest of what they typed is still in the form
    assert db.session.get(Case, draft.id).facts != "被告一直没有付款。"


def test_control_characters_are_refused_in_english_too(client, db, draft):
    client.set_cookie("lang", "en")
    resp = client.post(f"/filings/{draft.filing_ref}/details", data=_details(draft, title="A\x1b[2J title"))
    assert resp.status_code == 400
    assert "Remove the invisible control characters from this field." in resp.get_data(as_text=True)


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "inf", "-Infinity", "1e999"])
def test_amount_that_is_no_number_is_refused_with_the_amount_message(client, db, draft, amount):
    resp = client.post(f"/filings/{draft.filing_ref}/details", data=_details(draft, amount=amount))
    assert resp.status_code == 400
    assert "金额" in resp.get_data(as_text=True)
    assert db.session.get(Case, draft.id).amount == 160000


def test_filing_amount_parser_refuses_nan_and_infinity():
    for raw in ("NaN", "snan", "Infinity", "-inf"):
        with pytest.raises(filing.InvalidAmount):
            filing.parse_amount(raw)


def test_a_revision_no_form_sends_is_a_stale_form_not_a_crash(client, db, draft):
    for revision in (" ", "²", "x"):
        resp = client.post(f"/filings/{draft.filing_ref}/details", data=_details(draft, revision=revision))
        assert resp.status_code in (302, 400), revision
    assert db.session.get(Case, draft.id).revision == draft.revision


def test_nul_in_the_public_verification_url_is_400_with_security_headers(client, db):
    for url in ("/verify/abc%00def", "/verify/%00", "/?page=1%00"):
        resp = client.get(url)
        assert resp.status_code == 400, url
        assert "网址中含有无法使用的字符" in resp.get_data(as_text=True)
        assert _has_security_headers(resp)


def test_ids_beyond_an_id_column_or_in_other_digits_are_404(client, auth, db, make_user, make_case, make_court):
    room = build_room(db, make_user, make_case, make_court)
    auth.login(room.plaintiff, face=True)
    base = f"/cases/{room.case.id}/hearings"
    for url in (f"/cases/2147483648/hearings/{room.hearing.id}", f"{base}/9223372036854775808",
                f"{base}/%C2%B2", f"{base}/%D9%A3", "/transcripts/99999999999999999999"):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert _has_security_headers(resp)


def test_hostile_ids_in_query_strings_are_ignored(client, auth, db, make_user, make_case, make_court):
    room = build_room(db, make_user, make_case, make_court)
    auth.login(room.plaintiff, face=True)
    url = f"/cases/{room.case.id}/hearings/{room.hearing.id}"
    for query in ("reply_to=99999999999", "reply_to=²", "before=2147483648", "item=²&party=99999999999999999999",
                  "before=-1"):
        assert client.get(f"{url}?{query}").status_code == 200, query
    assert client.get("/?page=99999999999999999999").status_code == 200
    assert client.get("/?page=²").status_code == 200


def test_hostile_ids_in_the_filing_and_review_queries_are_ignored(client, auth, db, world):
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    auth.login(filer, face=True)
    for query in ("party=²", "party=99999999999", "replace=²", "replace=2147483648"):
        assert client.get(f"/filings/{case.filing_ref}?{query}").status_code == 200, query
    filing.submit(case, filer)
    db.session.commit()
    auth.logout()
    auth.login(clerk)
    for query in ("days=²", "days=99999999999999", "days=2147483647"):
        resp = client.get(f"/review/?{query}")
        assert resp.status_code == 200, query


def test_a_deadline_in_the_year_9999_is_refused_and_posts_no_item(client, auth, db, make_user, make_case,
                                                                  make_court):
    room = build_room(db, make_user, make_case, make_court)
    auth.login(room.judge)
    url = f"/cases/{room.case.id}/hearings/{room.hearing.id}/items"
    for day in ("9999-12-31", "0001-01-01"):
        resp = client.post(url, data={"text": "请说明付款情况", "parties": [str(room.d_party.id)], "day": day,
                                      "at": "24:00", "key": f"item-{day}"})
        assert resp.status_code == 400, day
        assert "请输入 1900-01-01 至 2199-12-31 之间的日期" in resp.get_data(as_text=True)
    assert db.session.scalar(select(HearingItem.id)) is None


def test_an_over_long_idempotency_key_posts_nothing(client, auth, db, make_user, make_case, make_court):
    room = build_room(db, make_user, make_case, make_court)
    auth.login(room.plaintiff, face=True)
    resp = client.post(f"/cases/{room.case.id}/hearings/{room.hearing.id}/messages",
                       data={"text": "只发一次", "key": "k" * 65})
    assert resp.status_code == 400
    assert "只发一次" in resp.get_data(as_text=True)  # kept in the form
    assert db.session.scalar(select(Message.id).where(Message.text == "只发一次")) is None


def test_mediation_amount_nan_is_a_field_error(client, auth, db, make_user, make_case, make_court):
    room = build_room(db, make_user, make_case, make_court)
    auth.login(room.judge)
    for amount in ("NaN", "sNaN", "Infinity", "1e20"):
        resp = client.post(f"/cases/{room.case.id}/mediation/terms", data={
            "amount": amount, "payer": str(room.d_party.id), "payee": str(room.p_party.id),
            "schedule": "一次付清", "other": ""})
        assert resp.status_code == 400, amount
        body = resp.get_data(as_text=True)
        assert "请输入数字" in body or "这个数字太大了" in body


# --- the error pages ------------------------------------------------------------------------------

@pytest.fixture
def production_app(database_url, storage_dir):
    """An app as in production (exceptions become the 500 page), with two routes that fail on purpose."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db as _db

    class Config(TestConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = database_url
        STORAGE = str(storage_dir)

    application = create_app(Config)

    @application.route("/_test/crash-after-failed-statement")
    def crash_after_failed_statement():
        try:
            _db.session.execute(text("SELECT no_such_column FROM users"))
        except Exception:  # noqa: BLE001 - the transaction is now aborted, as after a real failure
            pass
        raise RuntimeError("a bug")

    @application.route("/_test/value-beyond-its-column")
    def value_beyond_its_column():
        _db.session.execute(text("SELECT CAST(:n AS integer)"), {"n": str(2 ** 40)})
        return "unreachable"

    return application


def test_a_crash_rolls_back_and_shows_the_full_error_page_with_headers(production_app, db):
    if not production_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("an aborted transaction is PostgreSQL's")
    resp = production_app.test_client().get("/_test/crash-after-failed-statement")
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    assert "系统出现问题" in body and "<footer" in body  # the real template, not the fallback
    assert _has_security_headers(resp)


def test_a_value_beyond_its_column_is_a_400_not_a_500(production_app, db):
    if not production_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has no integer range")
    resp = production_app.test_client().get("/_test/value-beyond-its-column")
    assert resp.status_code == 400
    assert "数字或日期超出范围" in resp.get_data(as_text=True)
    assert _has_security_headers(resp)


def test_error_page_falls_back_to_a_static_page_when_its_template_fails(production_app, db, monkeypatch):
    from app import web

    def broken(*_args, **_kwargs):
        raise RuntimeError("template broke")
    monkeypatch.setattr(web, "render_template", broken)
    client = production_app.test_client()
    for url, status in (("/no-such-page", 404), ("/_test/crash-after-failed-statement", 500),
                        ("/verify/%00", 400)):
        resp = client.get(url)
        assert resp.status_code == status, url
        assert resp.mimetype == "text/html" and "<h1>" in resp.get_data(as_text=True)
        assert _has_security_headers(resp)
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)


# --- uploads: any valid UTF-8 is text ----------------------------------------------------------------

def _upload(app, data, name="陈述.txt"):
    from werkzeug.datastructures import FileStorage
    from app.services import storage
    with app.test_request_context():
        return storage.save_upload(FileStorage(io.BytesIO(data), filename=name), kind="evidence", actor=None)


def test_chinese_text_with_a_character_across_byte_64_is_accepted(app, db):
    data = ("原告" * 40 + "\n被告于2026年3月收货后至今未付款。\n").encode()
    assert data[:64].decode("utf-8", errors="ignore") != data[:64].decode("utf-8", errors="replace")  # cut at 64
    stored = _upload(app, data)
    assert stored.content_type == "text/plain" and stored.size == len(data)


def test_text_that_stops_being_utf8_after_byte_64_is_refused(app, db):
    from app.services import storage
    with pytest.raises(storage.FileTypeRefused):
        _upload(app, "原告".encode() * 40 + b"\xff\xfe broken")
    with pytest.raises(storage.FileTypeRefused):
        _upload(app, "原告".encode() * 40 + b"\x00")


def test_a_tiny_text_file_cut_inside_a_character_is_refused(app, db):
    from app.services import storage
    with pytest.raises(storage.FileTypeRefused):
        _upload(app, "原告".encode()[:-1])
