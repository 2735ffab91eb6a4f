"""A litigant on a cheap phone never gets lost (issue #14), in Chromium on the phone profile, JS on and off:
what needs me -> the item -> answer it by a reply in the thread; irreversible acts on a page of their own;
nothing wider than a 360 px screen. Each story prints its taps and time (reported in the issue)."""
import re
import time

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_paths(db, seed_demo):
    from app.models.hearing import Hearing, HearingItem
    case = seed_demo["LA2026-DEMO06"]
    hearing = db.session.scalar(select(Hearing).where(Hearing.case_id == case.id))
    items = db.session.scalars(select(HearingItem).where(HearingItem.hearing_id == hearing.id)
                               .order_by(HearingItem.id)).all()
    thread = f"/cases/{case.id}/hearings/{hearing.id}"
    return {"case": case, "thread": thread, "item2": f"{thread}/items/{items[1].id}",
            "evidence": f"/cases/{case.id}/hearings/evidence"}


def _sign_in(page, url):
    page.goto(url)
    page.click("form.card button")  # the one-time link's confirm step
    page.wait_for_load_state()


def _consent_if_asked(page):
    if "/consent" in page.url:
        page.click("button[name=given][value=yes]")
        page.wait_for_load_state()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_defendant_goes_from_home_to_the_item_and_answers_it_by_a_reply(phone_page, demo_link, demo_paths, js):
    page = phone_page(js=js)
    _sign_in(page, demo_link("陈强"))
    started, taps = time.monotonic(), 0
    needs = page.locator("#needs")
    assert "第2项" in needs.inner_text()
    needs.locator("a", has_text="第2项").first.click()
    taps += 1
    _consent_if_asked(page)
    taps += "/consent" in page.url
    page.wait_for_url(re.compile(r"/items/\d+$"))
    assert "第2项" in page.locator("h1").inner_text()
    page.click("text=←")  # back to the thread, at the item's message
    taps += 1
    page.wait_for_selector("#messages")
    item_msg = page.locator("article.msg-item", has_text="请被告对原告提交的证据1发表质证意见")
    hrefs = item_msg.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all(h and "<built-in" not in h for h in hrefs)
    item_msg.locator("a.reply").click()
    taps += 1
    assert "这条回复即是您对第2项诉讼事项的答复" in page.locator("#compose").inner_text()
    page.fill("#compose textarea[name=text]", "对证据1的真实性无异议，尾款未付系因货物质量问题。")
    page.click("#compose button")
    taps += 1
    page.wait_for_selector("text=对证据1的真实性无异议")
    page.goto(demo_paths["item2"])
    assert "对证据1的真实性无异议" in page.content()
    assert "陈强: 已答复" in page.locator("ul.who").inner_text().replace("：", ": ")
    print(f"\nstory defendant-answers-item js={js}: {taps} taps, {time.monotonic() - started:.1f} s")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_withdrawing_consent_asks_on_its_own_page_and_can_be_cancelled(phone_page, demo_link, demo_paths, js):
    page = phone_page(js=js, slow=False)
    _sign_in(page, demo_link("王芳", demo_paths["thread"]))
    _consent_if_asked(page)
    page.wait_for_selector("#messages")
    compose_bottom = page.locator("#compose button").bounding_box()
    link = page.locator("a", has_text="撤回我对在线进行该环节的同意")
    box = link.bounding_box()
    assert box["y"] - (compose_bottom["y"] + compose_bottom["height"]) >= 40  # apart from 发送
    link.click()
    page.wait_for_url(re.compile(r"/consent/withdraw/confirm$"))
    assert "确定撤回您对在线进行该环节的同意吗" in page.content()
    page.click("text=不，返回")
    page.wait_for_selector("#messages")
    assert page.locator("#compose").count() == 1  # still in the room


def test_the_judge_ends_a_session_only_after_confirming(court_page, demo_link, demo_paths):
    page = court_page(js=False)
    _sign_in(page, demo_link("张俊", demo_paths["thread"]))
    page.click("text=结束本次审理…")
    page.wait_for_url(re.compile(r"/close/confirm$"))
    assert "此操作不可撤销" in page.content()
    page.click("button.danger")
    page.wait_for_selector(".flash.success")


PAGES_360 = ["/", "{thread}", "{item2}", "{evidence}", "/filings/LA2026-DEMO04", "/filings/LA2026-DEMO04/notice",
             "/filings/LA2026-DEMO06", "/filings/LA2026-DEMO03"]


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_key_pages_fit_a_360_px_screen(phone_page, demo_link, demo_paths, js):
    page = phone_page(js=js, slow=False)
    _sign_in(page, demo_link("王芳"))
    wide = {}
    for path in PAGES_360:
        page.goto(path.format(**demo_paths))
        _consent_if_asked(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[path] = width
    assert not wide, wide


def test_the_review_page_fits_360_px_and_shows_no_full_size_photo(phone_page, demo_link):
    page = phone_page(js=False, slow=False)
    _sign_in(page, demo_link("李敏"))
    page.goto("/review/LA2026-DEMO06")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    srcs = page.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src'))")
    assert all(s.endswith("/preview") or "/thumb" in s or "/files/" in s for s in srcs), srcs  # small ones as they are
    sizes = page.locator("img").evaluate_all("els => els.map(e => [e.getAttribute('width'), e.getAttribute('height')])")
    assert all(w and h and int(w) <= 120 for w, h in sizes), sizes


def test_a_photo_upload_shows_progress_and_the_button_waits(phone_page, demo_link):
    """On slow 3G a phone photo takes many seconds: the button is disabled and a progress bar moves."""
    import io
    from PIL import Image
    buf = io.BytesIO()
    Image.effect_noise((900, 700), 80).convert("RGB").save(buf, "JPEG", quality=95)
    photo = buf.getvalue()
    page = phone_page(js=True, slow=True)
    _sign_in(page, demo_link("王芳", "/filings/LA2026-DEMO01"))
    form = page.locator("form[action$='/attachments']")
    form.locator("select[name=role]").select_option("evidence")
    form.locator("input[type=file]").set_input_files({"name": "送货单照片.jpg", "mimeType": "image/jpeg",
                                                      "buffer": photo})
    form.locator("button").click()
    page.wait_for_selector("form.is-sending progress.upload", state="attached")
    assert form.locator("button").is_disabled()
    assert "正在发送" in form.locator(".sending").inner_text()
    page.wait_for_function("() => !document.querySelector('form.is-sending')", timeout=60_000)
    assert "送货单照片.jpg" in page.content()
    print(f"\nupload of {len(photo) // 1024} KB on slow 3G: progress bar shown, button disabled while sending")


def test_without_js_the_upload_form_says_to_wait(phone_page, demo_link):
    page = phone_page(js=False, slow=False)
    _sign_in(page, demo_link("王芳", "/filings/LA2026-DEMO01"))
    assert "不要重复点击" in page.locator("form[action$='/attachments']").inner_text()
