"""The hearing room over HTTP: access for every route, gates, posting, polling, files, bad input."""
import io
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import ActionLink, SmsMessage, utcnow
from app.models.hearing import Evidence, ExtensionRequest, Message
from app.services import hearings as svc
from tests.services.test_hearings import build_room, png_bytes


@pytest.fixture
def room(db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court)
    r.item = svc.post_item(r.hearing, r.judge, "请提交单据", parties=[r.d_party], deadline=utcnow() + timedelta(days=1))
    r.msg = svc.post_message(r.hearing, r.plaintiff, "证据如下", files=[
        __import__("werkzeug.datastructures", fromlist=["FileStorage"]).FileStorage(
            stream=io.BytesIO(png_bytes()), filename="a.png")])
    r.ext = svc.request_extension(r.item, r.defendant, "需要时间")
    db.session.commit()
    r.url = f"/cases/{r.case.id}/hearings/{r.hearing.id}"
    return r


def _fill(rule, r):
    values = {"case_id": r.case.id, "hid": r.hearing.id, "item_id": r.item.id,
              "evidence_id": r.msg.evidence[0].id, "request_id": r.ext.id}
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


def _hearing_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("hearings.")]


@pytest.mark.parametrize("who", ["outsider", "other_case_party", "other_court_judge"])
def test_every_hearing_route_is_404_for_people_outside_the_case(app, client, auth, db, room, make_user, make_case,
                                                                caplog, who):
    if who == "outsider":
        person = room.outsider
    elif who == "other_case_party":
        person = make_user("litigant")
        make_case(filer=person)
    else:
        person = make_user("judge")
    auth.login(person, face=True)
    rules = _hearing_rules(app)
    assert len(rules) >= 20
    with caplog.at_level(logging.INFO, logger="microcourt.audit"):
        for rule in rules:
            url = _fill(rule.rule, room)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                resp = client.open(url, method=method, data={"csrf_token": client.csrf_token(), "text": "x"})
                assert resp.status_code == 404, (method, url, resp.status_code)
    assert any("access refused" in rec.message for rec in caplog.records)
    assert db.session.query(Message).count() == 3  # nothing was posted


def test_party_not_taking_part_in_this_hearing_gets_404(client, auth, db, room, make_user):
    later = make_user("litigant")
    room.case.parties.append(type(room.p_party)(role="third_party", name="第三人", user_id=later.id))
    db.session.commit()
    auth.login(later, face=True)
    assert client.get(room.url).status_code == 404


def test_forged_item_and_evidence_ids_are_404(client, auth, db, room, make_user, make_case, make_court):
    other = build_room(db, make_user, make_case, make_court)
    foreign = svc.post_item(other.hearing, other.judge, "q", parties=[other.d_party],
                            deadline=utcnow() + timedelta(days=1))
    db.session.commit()
    auth.login(room.defendant, face=True)
    assert client.get(f"{room.url}/items/{foreign.id}").status_code == 404
    assert client.get(f"{room.url}/items/999999").status_code == 404
    assert client.get(f"{room.url}/evidence/999999").status_code == 404


def test_first_entry_asks_consent_then_face_check(app, client, auth, db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court, consent=False)
    url = f"/cases/{r.case.id}/hearings/{r.hearing.id}"
    auth.login(r.defendant, face=False)
    resp = client.get(url)
    assert resp.status_code == 302 and "/consent" in resp.location
    consent_page = client.get(resp.location)
    assert consent_page.status_code == 200
    resp = client.post(resp.location, data={"given": "yes"})
    assert resp.status_code == 302 and resp.location.startswith(url)
    resp = client.get(url)
    assert resp.status_code == 302 and "next=" in resp.location  # the face-check page, then back here
    auth.login(r.defendant, face=True)
    assert client.get(url).status_code == 200
    from app.models import CaseEvent
    # GET never writes: the admission is recorded with the person's first act in the room.
    assert db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "identity_verified")) is None
    assert client.post(f"{url}/messages", data={"text": "到庭", "key": "k-admit"}).status_code == 302
    ev = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "identity_verified"))
    assert ev.data["hearing_id"] == r.hearing.id and ev.data["user_id"] == r.defendant.id


def test_sms_link_opens_exactly_the_item(client, db, room):
    sms = db.session.scalar(select(SmsMessage).where(SmsMessage.phone == room.defendant.phone))
    path = re.search(r"(/l/\S+)", sms.body).group(1)
    resp = client.post(path)
    assert resp.location == f"{room.url}/items/{room.item.id}"
    # Signed in by the link, but not face-checked: to the check page, which returns to the item.
    resp = client.get(resp.location)
    assert resp.status_code == 302 and "items" in resp.location and "next=" in resp.location


def test_posting_a_message_without_js_escapes_html(client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    page = client.get(room.url).get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="(\w+)"|name="key" value="(\w+)"', page)
    resp = client.post(f"{room.url}/messages", data={"text": "<script>alert(1)</script>", "key": "k-1"})
    assert resp.status_code == 302
    page = client.get(room.url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert key is not None


def test_double_post_with_the_same_key_creates_one_message(client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    for _ in range(2):
        assert client.post(f"{room.url}/messages", data={"text": "只发一次", "key": "dup-1"}).status_code == 302
    assert db.session.query(Message).filter_by(text="只发一次").count() == 1


def test_a_100_kb_message_is_refused_cleanly_and_kept_in_the_form(client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    resp = client.post(f"{room.url}/messages", data={"text": "长" * 100_000, "key": "big"})
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "5000" in body and "长长长长" in body
    assert db.session.query(Message).filter_by(idempotency_key="big").count() == 0


def test_htmx_post_returns_the_new_message_and_a_fresh_form(htmx, auth, db, room):
    auth.login(room.plaintiff, face=True)
    after = svc.last_message_id(room.hearing)
    resp = htmx.post(f"{room.url}/messages", data={"text": "新消息", "key": "hx-1", "after": str(after)})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "新消息" in body and "<html" not in body
    assert 'id="compose"' in body and 'hx-swap-oob="true"' in body and "hx-1" not in body


def test_idle_poll_is_304_and_a_new_message_breaks_it(client, htmx, auth, db, room):
    auth.login(room.defendant, face=True)
    after = svc.last_message_id(room.hearing)
    first = htmx.get(f"{room.url}/messages?after={after}")
    assert first.status_code == 200 and first.get_data(as_text=True).strip() == "" and first.headers["ETag"]
    etag = first.headers["ETag"]
    again = htmx.get(f"{room.url}/messages?after={after}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    svc.post_message(room.hearing, room.plaintiff, "刚刚发的")
    db.session.commit()
    fresh = htmx.get(f"{room.url}/messages?after={after}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "刚刚发的" in fresh.get_data(as_text=True)
    assert 'id="after"' in fresh.get_data(as_text=True)
    # Without JS the poll URL is just the page.
    assert client.get(f"{room.url}/messages").status_code == 302


def test_thread_page_shows_the_latest_page_and_earlier_link(client, auth, db, room, app):
    for i in range(60):
        svc.post_message(room.hearing, room.plaintiff, f"第{i}条")
    db.session.commit()
    auth.login(room.plaintiff, face=True)
    body = client.get(room.url).get_data(as_text=True)
    assert "第59条" in body and "第5条<" not in body and "before=" in body and 'hx-trigger="every 5s"' in body
    earlier = re.search(r'href="([^"]*before=\d+[^"]*)"', body).group(1).replace("&amp;", "&")
    assert "第5条" in client.get(earlier).get_data(as_text=True)


def test_upload_over_the_limit_or_of_a_wrong_type_is_refused_with_a_message(app, client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    app.config["UPLOAD_LIMIT_MB_EVIDENCE"] = 1
    try:
        resp = client.post(f"{room.url}/messages", content_type="multipart/form-data", data={
            "text": "大文件", "key": "f1", "file": (io.BytesIO(b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 10)), "big.jpg")})
    finally:
        app.config["UPLOAD_LIMIT_MB_EVIDENCE"] = 20
    assert resp.status_code == 413 and "大文件" in resp.get_data(as_text=True)
    resp = client.post(f"{room.url}/messages", content_type="multipart/form-data", data={
        "text": "程序", "key": "f2", "file": (io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff"), "x.exe")})
    assert resp.status_code == 400
    assert db.session.query(Message).filter(Message.idempotency_key.in_(["f1", "f2"])).count() == 0


def test_evidence_is_served_only_as_an_attachment(client, auth, db, room):
    auth.login(room.defendant, face=True)
    ev = room.msg.evidence[0]
    resp = client.get(f"{room.url}/evidence/{ev.id}")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    thumb = client.get(f"{room.url}/evidence/{ev.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_judge_posts_an_item_and_a_late_answer_is_marked_late(client, auth, db, room, make_client):
    auth.login(room.judge)
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    resp = client.post(f"{room.url}/items", data={"text": "请说明付款情况", "parties": [str(room.d_party.id)],
                                                  "day": day, "at": "24:00", "key": "item-1"})
    assert resp.status_code == 302
    item = db.session.scalar(select(Message).where(Message.idempotency_key == "item-1")).item
    body = client.get(f"{room.url}/items/{item.id}").get_data(as_text=True)
    assert f"{day} 24:00" in body
    item.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    party = make_client()
    auth.login(room.defendant, face=True, c=party)
    resp = party.post(f"{room.url}/items/{item.id}/answer", data={"text": "迟到的回答", "key": "late-1"})
    assert resp.status_code == 302
    answer = db.session.scalar(select(Message).where(Message.idempotency_key == "late-1"))
    assert answer.late and answer.item_id == item.id


def test_extension_request_is_granted_by_the_judge(client, auth, db, room):
    auth.login(room.judge)
    day = (utcnow() + timedelta(days=5)).date().isoformat()
    resp = client.post(f"{room.url}/extensions/{room.ext.id}", data={"decision": "grant", "day": day, "at": "24:00"})
    assert resp.status_code == 302
    assert db.session.get(ExtensionRequest, room.ext.id).state == "granted"
    body = client.get(f"{room.url}/items/{room.item.id}").get_data(as_text=True)
    assert f"{day} 24:00" in body and "<s>" in body  # the old deadline is still shown


def test_party_cannot_post_items_or_close(client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    assert client.post(f"{room.url}/items", data={"text": "x", "day": day, "key": "p"}).status_code == 404
    assert client.post(f"{room.url}/close").status_code == 404
    assert db.session.get(type(room.hearing), room.hearing.id).state == "open"


def test_closed_hearing_refuses_posts_with_a_message(client, auth, db, room):
    svc.close_hearing(room.hearing, room.judge)
    db.session.commit()
    auth.login(room.plaintiff, face=True)
    resp = client.post(f"{room.url}/messages", data={"text": "还有一点", "key": "c1"})
    assert resp.status_code == 409 and "还有一点" in resp.get_data(as_text=True)


def test_print_view_and_search(client, auth, db, room):
    auth.login(room.clerk)
    body = client.get(f"{room.url}/print").get_data(as_text=True)
    assert "请提交单据" in body and "证据如下" in body and "证据1" in body
    found = client.get(f"{room.url}?q=单据").get_data(as_text=True)
    assert "请提交单据" in found and "证据如下" not in found
    only_evidence = client.get(f"{room.url}?evidence=1").get_data(as_text=True)
    assert "证据如下" in only_evidence and '"text">请提交单据' not in only_evidence


def test_judge_opens_a_hearing_for_an_accepted_case(client, auth, db, make_user, make_case, make_court):
    court = make_court()
    judge = make_user("judge", court=court)
    case = make_case(court=court, defendant=make_user("litigant"))
    auth.login(judge)
    assert client.get(f"/cases/{case.id}/hearings").status_code == 200
    resp = client.post(f"/cases/{case.id}/hearings", data={
        "purpose": "mediation", "mode": "sync", "title": "调解", "parties": [str(p.id) for p in case.parties]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert case.state == "hearing"
    resp = client.post(f"/cases/{case.id}/hearings", data={"purpose": "trial", "mode": "async",
                                                           "parties": [str(case.parties[0].id)]})
    assert resp.status_code == 400


def test_participants_page_shows_verification_state(client, auth, db, room):
    auth.login(room.defendant, face=True)
    client.get(room.url)
    auth.login(room.judge)
    body = client.get(f"{room.url}/participants").get_data(as_text=True)
    assert "陈强" in body and room.defendant.phone in body


def test_link_counts_only_for_its_user(db, room):
    assert db.session.query(ActionLink).filter_by(purpose="hearing_item").count() >= 1
    assert db.session.scalar(select(Evidence.exhibit_no)) == 1
