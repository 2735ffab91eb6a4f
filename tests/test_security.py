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
    # Every case and every real id at least once, paired in turn (not every id with every case: an
    # outsider is refused on the case, and the cross product was ~10x the requests for no more cover).
    for i in range(max(len(per_case), width)):
        fill = dict(per_case[i % len(per_case)])
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
