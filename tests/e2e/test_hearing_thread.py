"""The seed story in Chromium: a party on a cheap phone in the demo hearing, with JS on and off,
and two browsers at once (the judge sees the party's message appear without reloading)."""
import re

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.e2e


@pytest.fixture
def thread_path(db, seed_demo):
    from app.models.hearing import Hearing
    case = seed_demo["LA2026-DEMO06"]
    hearing = db.session.scalar(select(Hearing).where(Hearing.case_id == case.id))
    return f"/cases/{case.id}/hearings/{hearing.id}"


def _enter(page, url):
    page.goto(url)
    page.click("form.card button")  # the one-time link's confirm step
    page.wait_for_load_state()
    if "/consent" in page.url:  # first entry asks consent to this stage
        page.click("button[name=given][value=yes]")
    page.wait_for_selector("#messages")


def test_party_on_a_phone_with_js_posts_and_sees_the_thread(phone_page, demo_link, thread_path):
    page = phone_page(js=True)
    _enter(page, demo_link("陈强", thread_path))
    assert page.locator("#messages article").count() >= 5
    assert page.locator("text=截止").count() >= 1 or page.locator("text=Due").count() >= 1
    page.fill("#compose textarea[name=text]", "我方对证据1无异议<b>x</b>")
    page.click("#compose button")
    page.wait_for_selector("#messages >> text=我方对证据1无异议<b>x</b>")
    assert "/messages" not in page.url  # swapped in by htmx, no navigation
    assert page.locator("#compose textarea[name=text]").input_value() == ""


def test_party_on_a_phone_without_js_posts_with_a_plain_form(phone_page, demo_link, thread_path):
    page = phone_page(js=False)
    _enter(page, demo_link("王芳", thread_path))
    page.fill("#compose textarea[name=text]", "补充说明：货物已于6月18日送达。")
    page.click("#compose button")
    page.wait_for_selector("text=补充说明：货物已于6月18日送达。")
    assert re.search(r"/hearings/\d+$", page.url.split("#")[0])


def test_two_browsers_at_once_new_message_appears_without_reload(court_page, phone_page, demo_link, thread_path):
    judge = court_page()
    judge.goto(demo_link("张俊", thread_path))
    judge.click("form.card button")
    judge.wait_for_selector("#poll", state="attached")
    judge.select_option("select[name=mode]", "sync")
    judge.click("form[action$='/mode'] button")
    judge.wait_for_selector("#online", state="attached")
    party = phone_page(js=True, slow=False)
    _enter(party, demo_link("陈强", thread_path))
    party.fill("#compose textarea[name=text]", "同步模式下的新消息")
    party.click("#compose button")
    party.wait_for_selector("#messages >> text=同步模式下的新消息")
    # The judge did not reload: the poll (every 2 s in live mode) brings it in.
    judge.wait_for_selector("#messages >> text=同步模式下的新消息", timeout=15_000)
