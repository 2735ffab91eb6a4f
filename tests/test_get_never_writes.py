"""GET never writes: every GET route, with the demo's real ids, as every demo person, executes no
INSERT, UPDATE or DELETE (seen by SQLAlchemy's `before_cursor_execute` hook)."""
import pytest
from sqlalchemy import event, select

from tests.test_security import PUBLIC, _fill, _rules

PER_RULE = 12  # real ids tried per route and person: enough to reach every kind of row in the demo


# Real ids for every id parameter of a route.
ID_TABLES = {"hid": "hearings", "item_id": "hearing_items", "evidence_id": "hearing_evidence",
             "request_id": "hearing_extension_requests", "transcript_id": "transcripts",
             "version_id": "transcript_versions", "agreement_id": "mediation_agreements",
             "service_id": "services_of_documents", "signature_id": "signatures", "review_id": "clerk_reviews",
             "aid": "filing_attachments", "pid": "case_parties",
             "address_id": "service_addresses"}


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




@pytest.fixture
def demo_world(db):
    from app import demo
    cases = demo.seed(None)
    db.session.commit()
    return cases


@pytest.fixture
def sql_writes(db):
    writes = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement.split("\n")[0][:120])
    event.listen(db.engine, "before_cursor_execute", hook)
    yield writes
    event.remove(db.engine, "before_cursor_execute", hook)


def test_no_get_route_writes_for_any_demo_person(app, make_client, auth, db, demo_world, sql_writes):
    from app import demo
    from app.models import Case
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    people = demo.demo_users()
    assert {u.role for u in people} >= {"judge", "clerk", "litigant", "lawyer"}
    offenders, tried = {}, 0
    for person in people:
        client = make_client()
        auth.login(person, face=True, c=client)
        for rule in _rules(app, "GET"):
            if rule.endpoint == "static":
                continue
            for n, fill in enumerate(_fills(db, rule, cases)):
                if n >= PER_RULE:
                    break
                url = _fill(rule, fill)
                del sql_writes[:]
                resp = client.get(url)
                tried += 1
                assert resp.status_code < 500, f"{person.name}: GET {url} -> {resp.status_code}"
                if sql_writes:
                    offenders.setdefault(rule.endpoint, (person.name, url, list(sql_writes)))
    assert tried > 300
    assert not offenders, "GET wrote to the database:\n" + "\n".join(
        f"{endpoint}: {who} GET {url}: {writes}" for endpoint, (who, url, writes) in sorted(offenders.items()))


def test_the_hook_sees_writes(db, make_user, sql_writes):
    make_user()
    assert any(w.upper().startswith("INSERT") for w in sql_writes)


def test_public_gets_do_not_write_either(app, client, db, sql_writes):
    for rule in _rules(app, "GET"):
        if rule.endpoint in PUBLIC and not rule.arguments:
            del sql_writes[:]
            client.get(rule.rule)
            assert not sql_writes, f"GET {rule.rule} wrote: {sql_writes}"


def test_service_page_and_document_do_not_write_until_the_recipient_opens_by_post(client, auth, db, make_user,
                                                                                   make_case, sql_writes):
    from app.models import ServiceChannelAttempt
    from app.services import e_service, storage
    judge = make_user("judge")
    plaintiff = make_user()
    case = make_case(court=judge.court, filer=plaintiff)
    e_service.record_consent(case, case.parties[0], plaintiff, "explicit")
    # The party consented himself: the number he signs in with (proven by its code) is now his
    # confirmed service address, so the court has nothing left to confirm in person.
    from app.models import ServiceAddress
    assert db.session.scalars(select(ServiceAddress.state)).all() == ["confirmed"]
    doc = storage.save_bytes(b"%PDF-1.4 notice", name="notice.pdf", content_type="application/pdf", case=case)
    s = e_service.serve(case, case.parties[0], judge, stored_file=doc, kind="notice", title="受理通知书")
    db.session.commit()
    auth.login(plaintiff)
    del sql_writes[:]
    assert client.get(f"/service/{s.id}").status_code == 200
    assert client.get(f"/service/{s.id}/document").status_code == 302  # to the page: opening is a POST
    assert not sql_writes
    assert db.session.scalar(select(ServiceChannelAttempt.opened_at)) is None
    resp = client.post(f"/service/{s.id}/open")
    assert resp.status_code == 302 and resp.location.endswith(f"/service/{s.id}/document")
    assert db.session.scalar(select(ServiceChannelAttempt.opened_at)) is not None
    assert client.get(f"/service/{s.id}/document").status_code == 200


def test_room_gate_trial_page_and_polling_do_not_write(client, auth, db, make_user, make_case, make_court,
                                                       sql_writes):
    from app.models import AsyncTrialConditions, HearingParticipant
    from tests.services.test_hearings import build_room
    r = build_room(db, make_user, make_case, make_court, purpose="trial", mode="sync")
    url = f"/cases/{r.case.id}/hearings/{r.hearing.id}"
    auth.login(r.defendant, face=True)
    del sql_writes[:]
    assert client.get(url).status_code == 200  # admitted to read, not recorded
    assert client.get(f"{url}/trial").status_code == 200
    assert client.get(f"{url}/messages", headers={"HX-Request": "true"}).status_code == 200
    assert not sql_writes
    assert db.session.scalar(select(AsyncTrialConditions)) is None
    p = db.session.scalar(select(HearingParticipant).where(HearingParticipant.user_id == r.defendant.id))
    assert p.last_seen_at is None and p.verified_session_id is None
    assert client.post(f"{url}/presence").status_code == 204  # the live-mode heartbeat
    db.session.refresh(p)
    assert p.last_seen_at is not None and p.verified_session_id is not None
