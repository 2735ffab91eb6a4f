"""Capturing a signature on a low-end phone: drawn with the finger (JS), or a photo of paper (JS off)."""
import re

import pytest
from sqlalchemy import select

from app.models import Signature
from tests.services.documents_helpers import paper_photo

pytestmark = pytest.mark.e2e


def _signatures(db, demo_user, name):
    db.session.expire_all()
    return db.session.scalars(select(Signature).where(Signature.user_id == demo_user(name).id)).all()


def _swipe(page, selector):
    """A finger stroke across the canvas, as touch events (the browser turns them into pointer events)."""
    box = page.locator(selector).bounding_box()
    cdp = page.context.new_cdp_session(page)
    points = [(box["x"] + 20 + i * (box["width"] - 40) / 12, box["y"] + box["height"] * (0.3 + 0.4 * (i % 2)))
              for i in range(13)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for x, y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_draw_signature_with_finger_on_phone(phone_page, demo_link, demo_user, db):
    page = phone_page(js=True)
    page.goto(demo_link("刘洋", "/signature"))
    page.click("form.card button")
    page.wait_for_url(re.compile(r"/signature$"))
    page.wait_for_selector("#sig-canvas", state="visible")
    page.click("#sign-form > button")          # nothing drawn: the page says so, nothing is sent
    page.wait_for_selector("#sig-empty", state="visible")  # the page says nothing was drawn
    _swipe(page, "#sig-canvas")
    page.click("#sign-form > button")
    page.wait_for_selector(".flash.success")
    sigs = _signatures(db, demo_user, "刘洋")
    assert len(sigs) == 1 and sigs[0].source == "drawn"
    # On slow 3G the image may still be arriving: wait for it (up to the default timeout), then check.
    page.wait_for_function("() => { const i = document.querySelector('img.sig'); return i && i.complete; }")
    assert page.locator("img.sig").evaluate("img => img.naturalWidth > 0")


def test_photo_of_paper_signature_without_js(phone_page, demo_link, demo_user, db, tmp_path):
    photo = tmp_path / "signature.jpg"
    photo.write_bytes(paper_photo())
    page = phone_page(js=False)
    page.goto(demo_link("刘洋", "/signature"))
    page.click("form.card button")
    page.wait_for_url(re.compile(r"/signature$"))
    assert not page.locator("#sig-draw").is_visible()   # no canvas without JS, just the file input
    page.set_input_files("input[type=file]", str(photo))
    page.click("#sign-form > button")
    page.wait_for_selector(".flash.success")
    sigs = _signatures(db, demo_user, "刘洋")
    assert len(sigs) == 1 and sigs[0].source == "photo"


def test_party_downloads_the_signed_transcript_on_phone_without_js(phone_page, demo_link, seed_demo, db):
    """The seeded evidence-exchange transcript is signed by both parties and can be downloaded."""
    from app.models import Transcript
    case = seed_demo["LA2026-DEMO07"]
    t = db.session.scalar(select(Transcript).where(Transcript.case_id == case.id))
    page = phone_page(js=False, slow=False)
    page.goto(demo_link("王芳", f"/transcripts/{t.id}"))
    page.click("form.card button")
    page.wait_for_url(re.compile(rf"/transcripts/{t.id}$"))
    html = page.content()
    assert "已签名并归档" in html and t.signed_version.verification_code in html
    with page.expect_download() as dl:
        page.click("text=下载已签名笔录（PDF）")
    assert dl.value.suggested_filename.endswith(".pdf")
