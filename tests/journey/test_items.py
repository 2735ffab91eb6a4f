"""Hearing items from the litigant's side: a reply in the thread answers the item, items are
numbered per hearing, and the item links work (issue #14, items 1 and 10)."""
from datetime import timedelta

import pytest

from app.models import utcnow
from app.models.hearing import Message
from app.services import hearings as svc
from tests.services.test_hearings import build_room


@pytest.fixture
def room(db, make_user, make_case, make_court):
    other = build_room(db, make_user, make_case, make_court)  # items of another hearing come first
    svc.post_item(other.hearing, other.judge, "别的庭审", parties=[other.d_party], deadline=utcnow() + timedelta(days=1))
    r = build_room(db, make_user, make_case, make_court)
    r.item = svc.post_item(r.hearing, r.judge, "请提交送货单", parties=[r.d_party], deadline=utcnow() + timedelta(days=1))
    db.session.commit()
    r.url = f"/cases/{r.case.id}/hearings/{r.hearing.id}"
    return r


def test_a_reply_to_an_item_in_the_thread_answers_it(client, auth, db, room):
    auth.login(room.defendant, face=True)
    resp = client.post(f"{room.url}/messages", data={"text": "送货单已上传", "reply_to": str(room.item.message_id),
                                                     "key": "k1"})
    assert resp.status_code == 302
    db.session.refresh(room.item)
    addressee = room.item.addressee_for(room.defendant)
    assert addressee.answered_at is not None
    answer = db.session.get(Message, addressee.answer_message_id)
    assert answer.kind == "answer" and answer.item_id == room.item.id and answer.text == "送货单已上传"
    page = client.get(f"{room.url}/items/{room.item.id}").get_data(as_text=True)
    assert "送货单已上传" in page


def test_a_reply_by_someone_the_item_does_not_ask_stays_a_message(client, auth, db, room):
    auth.login(room.plaintiff, face=True)
    client.post(f"{room.url}/messages", data={"text": "我也说一句", "reply_to": str(room.item.message_id), "key": "k2"})
    msg = db.session.query(Message).filter_by(text="我也说一句").one()
    assert msg.kind == "text" and msg.reply_to_id == room.item.message_id
    assert room.item.addressee_for(room.defendant).answered_at is None


def test_items_are_numbered_within_their_hearing_and_links_open_them(client, auth, room):
    auth.login(room.defendant, face=True)
    client.set_cookie("lang", "zh")
    html = client.get(room.url).get_data(as_text=True)
    assert "第1项" in html and "built-in" not in html
    assert f'href="{room.url}/items/{room.item.id}"' in html
    item_page = client.get(f"{room.url}/items/{room.item.id}")
    assert item_page.status_code == 200 and "第1项" in item_page.get_data(as_text=True)
