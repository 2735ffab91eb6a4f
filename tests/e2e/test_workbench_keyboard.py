"""A judge's day on the court PC with the keyboard only (Chromium): the workbench as home, access
keys to step through the work list, a reply in the hearing room sent with its access key, a filing
accepted from the list — and the same pages at 200% zoom and printed."""
import re

import pytest

pytestmark = pytest.mark.e2e



def access_key(page, key):
    """Alt+key as a real keyboard sends it (a raw key-down, then the character, then key-up): how
    Chromium on Linux and Windows activates an access key. Playwright's own `press` sends no
    character event with Alt held, so Chromium never sees the access key."""
    cdp = page.context.new_cdp_session(page)
    code = f"Digit{key}" if key.isdigit() else f"Key{key.upper()}"
    vk = ord(key.upper())
    cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "modifiers": 1, "key": key, "code": code,
                                        "windowsVirtualKeyCode": vk})
    cdp.send("Input.dispatchKeyEvent", {"type": "char", "modifiers": 1, "text": key, "unmodifiedText": key, "key": key})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "modifiers": 1, "key": key, "code": code,
                                        "windowsVirtualKeyCode": vk})
    cdp.detach()


def focused(page):
    return page.evaluate("() => { const e = document.activeElement; return e ? "
                         "[e.tagName, (e.innerText || e.value || e.name || '').trim().slice(0, 80), e.name || ''] : null }")


def tab_to(page, match, limit=250):
    """Press Tab until the focused element's text or name contains `match`; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        tag, text, name = focused(page)
        if match in text or match == name:
            return tag
    raise AssertionError(f"Tab never reached {match!r}")


def tab_to_link(page, pattern, limit=250):
    """Press Tab until the focused link's address matches `pattern`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        href = page.evaluate("() => document.activeElement && document.activeElement.getAttribute('href')") or ""
        if re.search(pattern, href):
            return href
    raise AssertionError(f"Tab never reached a link like {pattern!r}")


def test_judge_day_keyboard_only(court_page, demo_link, seed_demo):
    page = court_page()
    page.goto(demo_link("张俊"))
    tab_to(page, "继续")  # the sign-in link's confirm page: one button
    page.keyboard.press("Enter")
    page.wait_for_selector("#today")
    assert "今日待办" in page.content()
    body = page.content()
    assert "待审查的立案申请" in body and "我上次查看后已答复的诉讼事项" in body
    assert "LA2026-DEMO01" not in body  # a draft is not the court's business

    # Alt+1: the first case of the list; Alt+N / Alt+P: the next and previous case; Alt+H: back
    access_key(page, "1")
    page.wait_for_url(re.compile(r"/workbench/cases/\d+"))
    first = page.url
    assert "审限" in page.content() or "立案受理" in page.content()
    access_key(page, "n")
    page.wait_for_url(lambda url: url != first)
    assert re.search(r"/workbench/cases/\d+", page.url)
    access_key(page, "p")
    page.wait_for_url(first)
    access_key(page, "h")
    page.wait_for_url(re.compile(r"/workbench/"))

    # the answered item: Tab to its row, Enter opens the hearing room; the judge replies with Alt+S
    tab_to_link(page, r"/cases/\d+/hearings/\d+$")
    assert "我上次查看后已答复的诉讼事项" in focused(page)[1] or "已逾期的诉讼事项" in focused(page)[1]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hearings/\d+"))
    tab_to(page, "text")
    page.keyboard.type("已收到送货单，请被告于明日前发表质证意见。")
    access_key(page, "s")
    page.wait_for_function("() => document.body.innerText.includes('已收到送货单，请被告于明日前发表质证意见。')")

    # back to the list and accept the waiting filing from its review page
    page.goto("/workbench/?section=filings")
    tab_to_link(page, r"^/review/LA2026-")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/review/LA2026-"))
    tab_to(page, "立案受理")  # an irreversible act: it asks on a confirm page of its own first
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accept/confirm"))
    tab_to(page, "立案受理")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"\(\d{4}\)沪0101\S+号", page.locator(".flash").first.inner_text())


def test_workbench_at_200_percent_zoom_and_printed(court_page, demo_link, seed_demo):
    page = court_page()
    page.goto(demo_link("张俊"))
    tab_to(page, "继续")
    page.keyboard.press("Enter")
    page.wait_for_selector("#today")
    page.set_viewport_size({"width": 640, "height": 450})  # a 1280-pixel screen at 200%
    for path in ("/workbench/", "/workbench/stats", "/workbench/bulk"):
        page.goto(path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)
    page.goto("/workbench/")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and not page.locator("form.filters").is_visible()
    assert page.locator("#today table").is_visible()


def test_workbench_without_javascript(court_page, demo_link, seed_demo):
    """Filters, paging and "mark as read" are plain links and forms: the page is complete with JS off."""
    page = court_page(js=False)
    page.goto(demo_link("李敏"))
    page.click("form.card button")
    page.wait_for_selector("#today")
    page.select_option("#f-section", "items_answered")
    page.click("form.filters button")
    page.wait_for_url(re.compile(r"section=items_answered"))
    rows = page.locator("#today tbody tr")
    assert rows.count() == 1 and "我上次查看后已答复的诉讼事项" in rows.first.inner_text()
    page.click("#today button.link")  # mark as read
    page.wait_for_url(re.compile(r"section=items_answered"))
    assert "暂无待办事项" in page.locator("#today").inner_text()
    page.goto("/workbench/?kind=criminal")
    assert "“criminal”不是案件类型" in page.locator("#today [role=alert]").inner_text()
