"""The invited stranger on a cheap phone (首次实名认证): from the SMS link to a joined case with no
clerk, through the ID card enrolment, with JavaScript on and off (phone profile: 360x640, slow 3G,
4x CPU). The borderline path reaches the clerk's queue."""
import re
import time

import pytest
from sqlalchemy import select

from tests.conftest import FACES_DIR
from tests.id_cards import card_photo

pytestmark = pytest.mark.e2e
ID_NUMBER = "110101199003078515"
NAME = "张伟"


@pytest.fixture
def invited(db, make_user, make_case, make_court):
    from app.models import CaseParty
    from app.services import filing
    court = make_court()
    court.id_card_enrolment = True
    clerk = make_user("clerk", court=court)
    case = make_case(court=court)
    party = CaseParty(role="defendant", name=NAME, id_number=ID_NUMBER, phone="13700005678")
    case.parties.append(party)
    db.session.flush()
    filing.invite_to_join(case, party)
    db.session.commit()
    return dict(court=court, clerk=clerk, case=case, party=party)


def _walk(page, link, card_file, selfie, turned):
    """The stranger's taps; returns the start time (the SMS link opened)."""
    t0 = time.monotonic()
    page.goto(re.search(r"/l/[\w-]+", link).group(0))  # the SMS names the configured site
    page.click("form.card button")  # the link's confirm step (a scanner's GET does nothing)
    page.wait_for_url(re.compile(r"/join$"))
    page.check("input[name=online][value=yes]")
    page.check("input[name=e_service][value=yes]")
    page.click("form[action$='/join'] button")
    page.wait_for_url(re.compile(r"/identity/check"))
    assert page.locator("#why").count() == 1  # the page says why it appeared
    page.click("a[href*='/identity/card']")
    page.wait_for_url(re.compile(r"/identity/card"))
    page.fill("input[name=id_number]", ID_NUMBER)
    page.set_input_files("input[name=card_photo]", str(card_file))
    page.set_input_files("input[name=selfie]", str(FACES_DIR / f"{selfie}.jpg"))
    page.set_input_files("input[name=challenge_photo]", str(FACES_DIR / f"{turned}.jpg"))
    page.click("#card-form button")
    return t0


@pytest.mark.parametrize("js", [True, False], ids=["js_on", "js_off"])
def test_invited_stranger_joins_from_the_sms_link_without_any_clerk(phone_page, invited, db, sms_links, tmp_path,
                                                                     js):
    from app.models import CaseParty, ClerkReview
    from app.services import identity
    card_file = tmp_path / "card.jpg"
    card_file.write_bytes(card_photo(FACES_DIR / "asian_frl005_1.jpg", name=NAME, id_number=ID_NUMBER))
    page = phone_page(js=js)
    t0 = _walk(page, sms_links("13700005678")[-1], card_file, "asian_frl005_2", "asian_frl005_3")
    page.wait_for_url(re.compile(r"/identity/resume$"), timeout=60_000)
    # The join choices made before the face check are still there: one tap sends them.
    assert page.locator("#resume-form input[name=online]").get_attribute("value") == "yes"
    page.click("#resume-form button")
    page.wait_for_url(re.compile(r"/filings/"))
    seconds = time.monotonic() - t0
    db.session.expire_all()
    party = db.session.get(CaseParty, invited["party"].id)
    assert party.user_id is not None
    assert identity.active_reference(party.user).source == "id_card"
    assert not db.session.scalars(select(ClerkReview)).all()
    print(f"\nstranger SMS link -> joined case, phone profile, JS {'on' if js else 'off'}: {seconds:.1f} s")


def test_borderline_card_reaches_the_clerk_and_the_person_is_told_what_next(phone_page, invited, db, sms_links,
                                                                            tmp_path):
    from app.models import ClerkReview
    card_file = tmp_path / "card.jpg"
    card_file.write_bytes(card_photo(FACES_DIR / "obama_1.jpg", name=NAME, id_number=ID_NUMBER))
    page = phone_page(js=False, lang="en-US")
    _walk(page, sms_links("13700005678")[-1], card_file, "obama_3", "obama_2")
    page.wait_for_url(re.compile(r"/identity/reference"), timeout=60_000)
    assert "What happens next" in page.locator("#what-next").inner_text()
    db.session.expire_all()
    review = db.session.scalars(select(ClerkReview)).one()
    assert review.case_id == invited["case"].id and review.reason == "pending_approval"
