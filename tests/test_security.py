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


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_outsider_sees_nothing_of_a_case(app, client, db, auth, seed_everything, method):
    """An outsider, signed in and face-verified, tries every case-scoped URL of every demo case."""
    from app.models import Case, User
    outsider = db.session.scalar(select(User).where(User.name.like("outsider%")))
    auth.login(outsider, face=True)
    cases = db.session.scalars(select(Case)).all()
    assert cases
    for case in cases:
        for rule in _rules(app, method):
            if "case_id" not in rule.arguments:
                continue
            url = _fill(rule, {"case_id": case.id})
            resp = client.get(url) if method == "GET" else client.post(url, data={})
            assert resp.status_code in (403, 404), f"outsider got {resp.status_code} on {method} {url}"
            body = resp.get_data(as_text=True)
            assert case.title not in body and (case.case_number or "") not in body or not case.case_number, url


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
