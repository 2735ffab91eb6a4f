"""Face check on a low-end phone with JavaScript off: from an SMS link to the step it names."""
import re

import pytest

from tests.conftest import FACES_DIR
from tests.e2e.conftest import E2E_ENV

pytestmark = pytest.mark.e2e


def test_sms_link_selfie_on_phone_without_js_lands_on_the_linked_step(phone_page, seed_demo, demo_user, db,
                                                                       sms_links, live_server):
    from app.services.auth import create_action_link
    from app.services.notifications import send_sms
    assert E2E_ENV["FACE_LIVENESS_REQUIRED"] == "0"  # no real photo of a turned head to answer a challenge
    wang = demo_user("王芳")  # reference photo: obama_1 (demo seed --faces)
    path = create_action_link(wang, "/signature")  # an ordinary SMS link: no face check included
    send_sms(wang.phone, f"【微法庭】请确认身份后签名：{live_server}{path}", kind="action_link", user=wang)
    db.session.commit()

    page = phone_page(js=False, lang="en-US")
    page.goto(sms_links(wang.phone)[-1])
    page.click("form.card button")
    page.wait_for_url(re.compile(r"/identity/check\?next=/signature$"))
    selfie = page.locator("input[name=selfie]")
    assert selfie.get_attribute("capture") == "user" and selfie.get_attribute("accept") == "image/*"

    page.set_input_files("input[name=selfie]", str(FACES_DIR / "group_two_faces.jpg"))
    page.click("#face-check button")
    assert page.locator(".err").inner_text() == "More than one face is in the photo. Only you should be in the picture."
    assert "/identity/check" in page.url

    page.set_input_files("input[name=selfie]", str(FACES_DIR / "obama_2.jpg"))
    page.click("#face-check button")
    page.wait_for_url(re.compile(r"/signature$"))
    assert page.locator(".flash.success").count() == 1
    assert page.locator("input[name=photo]").count() == 1  # the signature step itself, not another gate
