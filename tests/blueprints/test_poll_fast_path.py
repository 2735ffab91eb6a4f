"""The idle poll answered 304 before the room gate (app/poll_gate.py): no SQL at all, and never once
something changed: a new message, a withdrawn consent, a sign-out, or PASS_SECONDS gone by."""
import pytest
from sqlalchemy import event

from app import poll_gate
from app.services import consent as consent_service
from app.services import hearings as svc
from tests.services.test_hearings import build_room


@pytest.fixture
def room(db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court)
    r.url = f"/cases/{r.case.id}/hearings/{r.hearing.id}"
    return r


def _statements(db, get):
    seen = []

    def count(*_args):
        seen.append(1)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        resp = get()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return resp, len(seen)


def _idle(htmx, auth, db, room, who):
    """Sign in, make the first poll (through the gate), return (poll url, its ETag)."""
    auth.login(who, face=True)
    url = f"{room.url}/messages?after={svc.last_message_id(room.hearing)}"
    first = htmx.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    return url, first.headers["ETag"]


def test_an_idle_poll_is_answered_without_any_sql(htmx, auth, db, room):
    # GET never writes (the admission is recorded with the first act in the room), so nothing moves the
    # hearing's version after the first poll: the pass it earned answers the very next identical poll.
    auth.login(room.defendant, face=True)
    url = f"{room.url}/messages?after={svc.last_message_id(room.hearing)}"
    slow, slow_statements = _statements(db, lambda: htmx.get(url))
    assert slow.status_code == 200 and slow_statements > 0  # the first poll goes through the gate
    etag = slow.headers["ETag"]
    fast, statements = _statements(db, lambda: htmx.get(url, headers={"If-None-Match": etag}))
    assert fast.status_code == 304 and statements == 0 and fast.get_data() == b""
    assert fast.headers["ETag"].strip('"') == etag.strip('"')
    assert fast.headers["X-Content-Type-Options"] == "nosniff" and "Cookie" in fast.headers["Vary"]


def test_a_new_message_ends_the_pass(htmx, auth, db, room):
    url, etag = _idle(htmx, auth, db, room, room.defendant)
    assert htmx.get(url, headers={"If-None-Match": etag}).status_code == 304
    svc.post_message(room.hearing, room.plaintiff, "刚刚发的")
    db.session.commit()
    fresh = htmx.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "刚刚发的" in fresh.get_data(as_text=True)


def test_withdrawn_consent_ends_the_pass(htmx, auth, db, room):
    url, etag = _idle(htmx, auth, db, room, room.defendant)
    assert htmx.get(url, headers={"If-None-Match": etag}).status_code == 304
    consent_service.withdraw_consent(room.case, room.d_party, room.hearing.purpose, room.defendant)
    db.session.commit()
    resp = htmx.get(url, headers={"If-None-Match": etag})
    assert resp.status_code != 304  # the gate runs again and sends them to the consent step


def test_signing_out_ends_the_pass(htmx, client, auth, db, room):
    url, etag = _idle(htmx, auth, db, room, room.defendant)
    assert htmx.get(url, headers={"If-None-Match": etag}).status_code == 304
    with client.session_transaction() as sess:
        kept = dict(sess)  # a copy of the signed-in cookie, replayed after signing out
    auth.logout()
    with client.session_transaction() as sess:
        sess.update(kept)
    resp = htmx.get(url, headers={"If-None-Match": etag})
    assert resp.status_code == 302 and "/signin" in resp.location


def test_a_pass_lasts_pass_seconds(htmx, auth, db, room, monkeypatch):
    url, etag = _idle(htmx, auth, db, room, room.defendant)
    assert htmx.get(url, headers={"If-None-Match": etag}).status_code == 304
    later = poll_gate._now() + poll_gate.PASS_SECONDS + 1
    monkeypatch.setattr(poll_gate, "_now", lambda: later)
    resp, statements = _statements(db, lambda: htmx.get(url, headers={"If-None-Match": etag}))
    assert resp.status_code == 304 and statements > 0  # answered again by the gate, not the pass


def test_another_persons_poll_is_not_answered_from_my_pass(htmx, make_client, auth, db, room):
    url, etag = _idle(htmx, auth, db, room, room.defendant)
    assert htmx.get(url, headers={"If-None-Match": etag}).status_code == 304
    other = make_client()
    auth.login(room.outsider, face=True, c=other)
    resp = other.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert resp.status_code == 404
