"""Threats across every route, found by walking app.url_map (so new routes are covered automatically)."""
import re

import pytest
from sqlalchemy import select

PUBLIC = {"auth.signin", "auth.staff", "auth.phone", "auth.code", "auth.link", "auth.link_use", "main.language",
          "main.healthz", "notifications.outbox", "notifications.receipt", "static"}
CSRF_EXEMPT = {"notifications.receipt"}  # machine callback with its own bearer token


def _fill(rule, ids):
    values = {}
    for arg in rule.arguments:
        conv = rule._converters[arg].__class__.__name__
        values[arg] = ids.get(arg, 1) if conv in ("IntegerConverter",) else ids.get(arg, "x")
    return rule.build(values, append_unknown=False)[1]


def _rules(app, method):
    return [r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint != "static"]


def test_every_post_needs_csrf(app, client, auth, make_user):
    auth.login(make_user("judge"))
    for rule in _rules(app, "POST"):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        resp = client.post(_fill(rule, {}), data={}, csrf=False)
        assert resp.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token ({resp.status_code})"


def test_private_pages_need_sign_in(app, client):
    for rule in _rules(app, "GET"):
        if rule.endpoint in PUBLIC or rule.endpoint.split(".")[0] in ("verify",):
            continue
        resp = client.get(_fill(rule, {}))
        assert resp.status_code in (302, 401, 404), f"{rule.rule} answered {resp.status_code} to a stranger"
        if resp.status_code == 302:
            assert "/signin" in resp.location, f"{rule.rule} redirected a stranger to {resp.location}"


# Route parameter -> the table whose real ids an outsider tries (every id in the demo data).
ID_TABLES = {"hid": "hearings", "item_id": "hearing_items", "evidence_id": "hearing_evidence",
             "request_id": "hearing_extension_requests", "transcript_id": "transcripts",
             "version_id": "transcript_versions", "agreement_id": "mediation_agreements",
             "service_id": "services_of_documents", "signature_id": "signatures", "review_id": "clerk_reviews",
             "aid": "filing_attachments", "pid": "case_parties"}


def _fills(db, rule, cases):
    """Every way to fill the rule's parameters with real ids: per case, and per id of each table."""
    from sqlalchemy import text
    ids = {}
    for arg in rule.arguments:
        if arg in ID_TABLES:
            ids[arg] = db.session.execute(text(f"SELECT id FROM {ID_TABLES[arg]} ORDER BY id")).scalars().all() or [1]
    per_case = [{"case_id": c.id, "ref": c.filing_ref} for c in cases] if ({"case_id", "ref"} & set(rule.arguments)) else [{}]
    width = max([len(v) for v in ids.values()] or [1])
    for base in per_case:
        for i in range(width):
            fill = dict(base)
            for arg, values in ids.items():
                fill[arg] = values[i % len(values)]
            if "which" in rule.arguments:
                fill["which"] = "selfie"
            if "code" in rule.arguments or "token" in rule.arguments:
                continue
            yield fill


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_outsider_sees_nothing_of_a_case(app, client, db, auth, seed_everything, method):
    """An outsider, signed in and face-verified, tries every URL of every demo case with real ids."""
    from app.models import Case, User
    outsider = db.session.scalar(select(User).where(User.name.like("outsider%")))
    auth.login(outsider, face=True)
    cases = db.session.scalars(select(Case)).all()
    assert len(cases) >= 6
    secrets_ = [c.title for c in cases] + [c.case_number for c in cases if c.case_number]
    tried = 0
    for rule in _rules(app, method):
        if not rule.arguments or rule.endpoint in PUBLIC or rule.endpoint == "filing.verify":
            continue
        for fill in _fills(db, rule, cases):
            url = _fill(rule, fill)
            resp = client.get(url) if method == "GET" else client.post(url, data={})
            tried += 1
            assert resp.status_code in (403, 404), f"outsider got {resp.status_code} on {method} {url}"
            body = resp.get_data(as_text=True)
            leaked = [t for t in secrets_ if t in body]
            assert not leaked, f"{method} {url} showed {leaked}"
    assert tried > 50


@pytest.fixture
def seed_everything(db):
    from app import demo
    demo.seed(None)
    db.session.commit()


def test_staff_of_another_court_sees_nothing(app, client, db, auth, make_user, seed_everything):
    from app.models import Case
    stranger = make_user("clerk")  # a clerk of another court
    auth.login(stranger)
    for case in db.session.scalars(select(Case)).all():
        for rule in _rules(app, "GET"):
            if "case_id" in rule.arguments:
                resp = client.get(_fill(rule, {"case_id": case.id}))
                assert resp.status_code in (403, 404), f"{rule.rule}: {resp.status_code}"
    assert not re.search(r"LA2026-DEMO", client.get("/").get_data(as_text=True))


# --------------------------------------------------------------------------- safe_next (#12.3)

# Known open-redirect bypasses (OWASP, PortSwigger, and the one from the outside review).
OPEN_REDIRECTS = [
    "//evil.example", "///evil.example", "////evil.example", "//evil.example/%2F..", "/\\evil.example",
    "\\\\evil.example", "/\\/evil.example", "/\t/evil.example", "/%09/evil.example", "/%0A/x", "/%0a/x",
    "/%0d%0a/x", "/%0D%0ALocation:%20//evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
    "/%255Cevil.example", "/%2509/evil.example", "/%252F/evil.example", "%2F%2Fevil.example",
    "https://evil.example", "http:evil.example", "http:/evil.example", "https:\\\\evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>x</script>",
    "evil.example", "evil.example/x", " //evil.example", "\t//evil.example", "/\u200b/evil.example",
    "/\u202e/evil.example", "/\ufeff/evil.example", "/\uff0f/evil.example", "/\uff3cevil.example",
    "/\x00/evil.example", "/\x7f/evil.example", "//evil.example@127.0.0.1", "/%00/evil.example",
    "", None, "x" * 3000,
]
SAME_SITE = ["/", "/cases/12", "/filings/LA2026-T00001?tab=parties", "/hearings/3/thread#m-5",
             "/search?q=a%20b", "/path/with:colon", "/search?next=http://x"]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_safe_next_refuses_open_redirects(app, target):
    from app.services.auth import safe_next
    assert safe_next(target) == "/"
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", SAME_SITE)
def test_safe_next_keeps_same_site_paths(app, target):
    from app.services.auth import safe_next
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [t for t in OPEN_REDIRECTS if t and len(t) < 100])
def test_language_switch_never_redirects_off_site(client, target):
    """The issue's bypass `next=/%09/evil.example` gave `Location: //evil.example`; `/%0A/x` was a 500."""
    from urllib.parse import quote
    for query in (quote(target, safe=""), target.replace("\n", "%0A").replace("\r", "%0D").replace("\t", "%09")):
        resp = client.get(f"/lang/en?next={query}")
        assert resp.status_code == 302, f"next={query!r}: {resp.status_code}"
        assert resp.headers["Location"] == "/", f"next={query!r} went to {resp.headers['Location']!r}"


def test_next_newline_is_not_a_server_error(client):
    assert client.get("/lang/zh?next=/%0A/x").status_code == 302


def test_sign_in_follows_only_a_same_site_next(client, db, auth, make_user):
    """The sign-in redirect goes through safe_next: a next kept in the session cannot leave the site."""
    judge = make_user("judge", password="right password")
    with client.session_transaction() as sess:
        sess["next"] = "/%09/evil.example"
    resp = client.post("/signin/staff", data={"username": judge.username, "password": "right password"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


# --------------------------------------------------------------------------- sign-in (#12.2)

def _staff_post(client, username, password):
    return client.post("/signin/staff", data={"username": username, "password": password})


def test_username_variants_are_one_account(client, make_user):
    make_user("judge", username="judge-zhang", password="right password")
    for variant in ("  JUDGE-ZHANG ", "Judge-Zhang\t", "ｊｕｄｇｅ－ｚｈａｎｇ"):
        assert _staff_post(client, variant, "right password").status_code == 302, variant
        client.post("/signout")


def test_username_variants_share_one_lockout(client, db, make_user):
    """Spaces, tabs, case and full-width letters used to get fresh tries, and the right password with a
    variant signed in during the lockout."""
    from app.models import User
    user = make_user("judge", username="judge-li", password="right password")
    variants = ["judge-li", " judge-li", "JUDGE-LI", "judge-li\t", "ｊｕｄｇｅ－ｌｉ"]
    assert [_staff_post(client, v, "wrong").status_code for v in variants] == [401] * 5
    for v in variants:
        resp = _staff_post(client, v, "right password")
        assert resp.status_code == 429, v
    assert client.get("/").status_code == 302  # not signed in
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None


def test_account_lockout_lives_in_the_database(app, client, db, make_user):
    """With the rate limiter gone (Redis flushed, another app server), the account stays locked."""
    from app.extensions import limiter
    from app.models import User, utcnow
    from datetime import timedelta
    user = make_user("clerk", username="clerk-wu", password="right password")
    for _ in range(5):
        assert _staff_post(client, "clerk-wu", "wrong").status_code == 401
    limiter.reset()
    resp = _staff_post(client, "clerk-wu", "right password")
    assert resp.status_code == 429 and "请稍等" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302
    # The lock ends by itself; the right password then works and clears the count.
    db.session.get(User, user.id).locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _staff_post(client, "clerk-wu", "right password").status_code == 302
    db.session.expire_all()
    row = db.session.get(User, user.id)
    assert row.failed_sign_ins == 0 and row.locked_until is None


def test_failures_are_counted_per_account_across_ips(app, make_client, db, make_user):
    """Per account, not per IP: five failures from five addresses lock the account."""
    from app.extensions import limiter
    make_user("judge", username="judge-zhao", password="right password")
    for i in range(5):
        c = make_client()
        resp = c.post("/signin/staff", data={"username": "judge-zhao", "password": "wrong"},
                      environ_base={"REMOTE_ADDR": f"10.1.0.{i}"})
        assert resp.status_code == 401
    limiter.reset()
    c = make_client()
    resp = c.post("/signin/staff", data={"username": "judge-zhao", "password": "right password"},
                  environ_base={"REMOTE_ADDR": "10.1.0.99"})
    assert resp.status_code == 429


def test_password_check_costs_the_same_for_unknown_names(app, client, db, make_user, monkeypatch):
    """Known and unknown names, litigants and locked accounts: exactly one password hash each
    (a dummy hash of the configured method for names without a usable account)."""
    from app.models import User, utcnow
    from app.services import auth as auth_service
    from datetime import timedelta
    judge = make_user("judge", username="judge-he", password="right password")
    litigant = make_user("litigant", password="whatever")
    locked = make_user("judge", username="judge-locked", password="right password")
    locked.locked_until = utcnow() + timedelta(minutes=5)
    db.session.commit()
    hashes_checked = []
    real = auth_service.check_password_hash
    monkeypatch.setattr(auth_service, "check_password_hash",
                        lambda h, pw: hashes_checked.append(h.split("$")[0]) or real(h, pw))
    for name, pw in (("judge-he", "wrong"), ("judge-he", "right password"), ("no-such-judge", "wrong"),
                     (litigant.phone, "whatever"), ("judge-locked", "right password"), ("ＪＵＤＧＥ-he ", "x")):
        hashes_checked.clear()
        client.post("/signout")
        client.post("/signin/staff", data={"username": name, "password": pw})
        assert len(hashes_checked) == 1, (name, hashes_checked)
        assert hashes_checked[0] == db.session.get(User, judge.id).password_hash.split("$")[0]


def test_code_request_does_the_same_work_for_unknown_numbers(app, client, db, make_user, monkeypatch):
    """The SMS-code request used to take 28 ms for a registered number and 12 ms otherwise. Now the
    request runs the same SQL and enqueues the same job either way; the job decides."""
    from sqlalchemy import event
    from app.services import queue
    known = make_user("litigant", phone="13912340001")
    jobs, statements = [], []
    monkeypatch.setattr(queue, "dispatch", lambda app_, func, args, **kw: jobs.append((func, kw.get("queue"))))

    def record(conn, cursor, statement, params, context, executemany):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work = []
        for number in (known.phone, "13912349999"):
            jobs.clear(), statements.clear()
            resp = client.post("/signin/phone", data={"phone": number})
            assert resp.status_code == 302
            work.append((list(statements), list(jobs), resp.location.replace(number, "N")))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert work[0] == work[1]
    assert work[0][1] == [("jobs.signin.send_login_code", "notifications")]
    assert not any("users" in s for s in work[0][0])  # no lookup in the request at all


def test_code_job_sends_only_to_registered_numbers(app, db, make_user):
    from app.models import LoginCode, SmsMessage
    from jobs.signin import send_login_code
    known = make_user("litigant", phone="13912340002")
    send_login_code(known.phone)
    send_login_code("13912349998")
    assert [m.phone for m in db.session.scalars(select(SmsMessage))] == [known.phone]
    assert db.session.scalars(select(LoginCode)).one().user_id == known.id


# --------------------------------------------------------------------------- proxies, cookies, HSTS (#12.4, #12.6)

def _second_app(database_url, storage_dir, **settings):
    from app import create_app
    from app.config import TestConfig

    attrs = dict(SQLALCHEMY_DATABASE_URI=database_url, STORAGE=str(storage_dir), **settings)
    application = create_app(type("Config", (TestConfig,), attrs))
    from tests.conftest import CourtClient
    application.test_client_class = CourtClient
    return application


def test_forwarded_for_is_ignored_without_trusted_proxies(app, client):
    """TRUSTED_PROXIES=0 (default): X-Forwarded-For cannot buy fresh per-IP limits."""
    app.config["LIMIT_SMS_PER_IP"] = "3 per hour"
    try:
        codes = [client.post("/signin/phone", data={"phone": f"1370000010{i}"},
                             headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)]
    finally:
        app.config["LIMIT_SMS_PER_IP"] = "20 per hour"
    assert codes == [302, 302, 302, 429]


def test_behind_a_trusted_proxy_limits_key_on_the_real_client(app, db, database_url, storage_dir):
    """TRUSTED_PROXIES=1 (nginx): each client has its own bucket, and a client cannot pick its
    bucket by sending its own X-Forwarded-For (nginx appends the real address; only that one counts)."""
    proxied = _second_app(database_url, storage_dir, TRUSTED_PROXIES=1, LIMIT_SMS_PER_IP="3 per hour")
    c = proxied.test_client()

    def ask(i, forwarded):
        with proxied.app_context():
            return c.post("/signin/phone", data={"phone": f"1370000020{i}"},
                          headers={"X-Forwarded-For": forwarded}).status_code
    assert [ask(i, "198.51.100.7") for i in range(3)] == [302] * 3
    assert ask(3, "198.51.100.8") == 302  # another client behind the same nginx
    assert ask(4, "10.9.9.9, 198.51.100.7") == 429  # spoofed first hop ignored: still 198.51.100.7
    assert ask(5, "198.51.100.7") == 429


def test_production_defaults_are_secure(db, database_url, storage_dir):
    prod = _second_app(database_url, storage_dir, DEMO=False, INSECURE=False)
    assert prod.config["SESSION_COOKIE_SECURE"] is True and prod.config["REMEMBER_COOKIE_SECURE"] is True
    c = prod.test_client()
    with prod.app_context():
        resp = c.get("/signin/staff", base_url="https://court.example")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in resp.headers.get("Set-Cookie", ""), resp.headers.get("Set-Cookie")


@pytest.mark.parametrize("settings", [dict(DEMO=True, INSECURE=False), dict(DEMO=False, INSECURE=True)])
def test_demo_or_explicit_insecure_keeps_plain_http(db, database_url, storage_dir, settings):
    dev = _second_app(database_url, storage_dir, **settings)
    assert dev.config["SESSION_COOKIE_SECURE"] is False
    with dev.app_context():
        resp = dev.test_client().get("/signin/staff")
    assert "Strict-Transport-Security" not in resp.headers
    assert "Secure" not in resp.headers.get("Set-Cookie", "")


# --------------------------------------------------------------------------- /verify (#12.5)

def test_verify_is_rate_limited(app, client):
    app.config["LIMIT_VERIFY"] = "5 per minute"
    try:
        codes = [client.get(f"/verify/ABCDEFGHJKLMNP{i:02d}").status_code for i in range(6)]
    finally:
        app.config["LIMIT_VERIFY"] = "30 per minute;300 per day"
    assert codes == [404] * 5 + [429]


def test_every_coded_document_has_an_80_bit_code(client, db, seed_everything):
    """Transcripts and mediation agreements had 40-bit codes (8 characters of 32)."""
    import math
    from app.models import AcceptanceNotice, MediationAgreement, ServiceOfDocument, TranscriptVersion
    from app.services.signatures import _CODE_ALPHABET
    columns = (AcceptanceNotice.verification_code, TranscriptVersion.verification_code,
               MediationAgreement.verification_code, ServiceOfDocument.certificate_code)
    seen = 0
    for column in columns:
        for code in db.session.scalars(select(column).where(column.isnot(None))):
            bare = code.replace("-", "")
            assert len(bare) * math.log2(32) >= 80, (column, code)
            seen += 1
    assert seen >= 3
    assert len(set(_CODE_ALPHABET)) == 32


def test_a_draft_transcript_verifies_as_a_draft(client, db, seed_everything):
    from app.models import TranscriptVersion
    draft = db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.kind == "draft")).first()
    page = client.get(f"/verify/{draft.verification_code}").get_data(as_text=True)
    assert "草稿" in page and "不是已签发的文书" in page
    assert "本院出具的文书" not in page
    signed = db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.kind == "signed")).first()
    page = client.get(f"/verify/{signed.verification_code}").get_data(as_text=True)
    assert "本院出具的文书" in page and "草稿" not in page


# --------------------------------------------------------------------------- drafts (#12.7)

def test_clerk_home_does_not_list_unsubmitted_drafts(client, db, auth, make_user, make_case):
    """The draft page promises that the court sees nothing before submission."""
    clerk = make_user("clerk")
    draft = make_case(court=clerk.court, state="draft", number=False)
    draft.title = "尚未提交的起诉状草稿"
    submitted = make_case(court=clerk.court, state="submitted", number=False)
    db.session.commit()
    auth.login(clerk)
    home = client.get("/").get_data(as_text=True)
    assert "尚未提交的起诉状草稿" not in home and draft.filing_ref not in home
    assert submitted.filing_ref in home
    assert client.get(f"/filings/{draft.filing_ref}").status_code == 404
    assert client.get(f"/review/{draft.filing_ref}").status_code == 404
