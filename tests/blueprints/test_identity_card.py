"""The stranger's path in request tests: SMS link → join choices → face check interrupts → ID card
enrolment → back to the held join form → joined. Plus: step-ups keep intent, SMS links re-usable by
their owner, the clerk's queue for strangers, a review form that pre-selects nothing."""
import io
import re

import pytest
from sqlalchemy import select

from app.models import CaseParty, HeldAction, SmsMessage, User
from app.services import filing, identity
from app.services.auth import create_action_link
from tests.conftest import FACES_DIR
from tests.id_cards import card_photo

ID_NUMBER = "110101199003078515"
NAME = "张伟"


def photo(name):
    return (FACES_DIR / f"{name}.jpg").read_bytes()


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def invited(db, make_user, make_case, make_court):
    """A case of a court with ID card enrolment on; its defendant invited by SMS, as on acceptance."""
    court = make_court()
    court.id_card_enrolment = True
    clerk = make_user("clerk", court=court)
    case = make_case(court=court)
    party = CaseParty(role="defendant", name=NAME, id_number=ID_NUMBER, phone="13700001234")
    case.parties.append(party)
    db.session.flush()
    filing.invite_to_join(case, party)
    db.session.commit()
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "case_join_invite")).one()
    link = re.search(r"(/l/[\w-]+)", sms.body).group(1)
    person = db.session.scalar(select(User).where(User.phone == "13700001234"))
    return dict(court=court, clerk=clerk, case=case, party=party, link=link, person=person)


def card_form(next_url, party_id, selfie="asian_frl005_2", turned="asian_frl005_3", card="asian_frl005_1",
              number=ID_NUMBER):
    return {"next": next_url, "party": str(party_id), "name": NAME, "id_number": number,
            "card_photo": (io.BytesIO(card_photo(FACES_DIR / f"{card}.jpg", name=NAME, id_number=ID_NUMBER)),
                           "card.jpg"),
            "selfie": (io.BytesIO(photo(selfie)), "selfie.jpg"),
            "challenge_photo": (io.BytesIO(photo(turned)), "turned.jpg")}


def test_invited_stranger_joins_from_the_sms_link_without_a_clerk(english, db, invited):
    join = f"/filings/{invited['case'].filing_ref}/join"
    resp = english.post(invited["link"])
    assert resp.status_code == 302 and resp.location == join
    assert english.get(join).status_code == 200
    # The join choices are interrupted by the face check: held, and the page says why.
    resp = english.post(join, data={"online": "yes", "e_service": "no"})
    assert resp.status_code == 302 and resp.location.startswith("/identity/check")
    held = db.session.scalars(select(HeldAction)).one()
    assert ["online", "yes"] in held.fields and ["e_service", "no"] in held.fields
    assert not any(k == "csrf_token" for k, _v in held.fields)
    page = english.get(resp.location).get_data(as_text=True)
    assert "What you entered is kept" in page and "/identity/card" in page
    card_page = english.get(f"/identity/card?next={join}")
    assert card_page.status_code == 200 and NAME in card_page.get_data(as_text=True)
    resp = english.post("/identity/card", data=card_form(join, invited["party"].id),
                        content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.location == "/identity/resume", resp.get_data(as_text=True)[:2000]
    resume = english.get("/identity/resume").get_data(as_text=True)
    assert f'action="{join}"' in resume and 'name="online" value="yes"' in resume
    key = re.search(r'name="_held" value="([^"]+)"', resume).group(1)
    resp = english.post(join, data={"_held": key, "online": "yes", "e_service": "no"})
    assert resp.status_code == 302
    db.session.expire_all()
    party = db.session.get(CaseParty, invited["party"].id)
    assert party.user_id == invited["person"].id
    assert db.session.scalars(select(HeldAction)).one().used_at is not None
    assert identity.active_reference(invited["person"]).source == "id_card"
    assert not identity.reviews_for(invited["clerk"])


def test_card_mismatch_shows_a_clear_message_and_keeps_the_typed_number(english, db, invited):
    english.post(invited["link"])
    resp = english.post("/identity/card", data=card_form("/", invited["party"].id, card="asian_frl067_1"),
                        content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "does not match your selfie" in html and ID_NUMBER in html
    assert identity.failure_count(invited["person"]) == 1


def test_bad_check_digit_is_shown_on_the_number_field(english, db, invited):
    english.post(invited["link"])
    resp = english.post("/identity/card", data=card_form("/", invited["party"].id, number="110101199003078514"),
                        content_type="multipart/form-data")
    assert resp.status_code == 422 and "This ID number is not valid" in resp.get_data(as_text=True)


def test_borderline_reaches_the_clerk_who_sees_case_role_and_wait(english, make_client, auth, db, invited):
    english.post(invited["link"])
    resp = english.post("/identity/card", data=card_form("/", invited["party"].id, card="obama_1",
                                                         selfie="obama_3", turned="obama_2"),
                        content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.location.startswith("/identity/reference")
    page = english.get(resp.location).get_data(as_text=True)
    assert "What happens next" in page
    clerk = make_client()
    clerk.set_cookie("lang", "en")
    auth.login(invited["clerk"], c=clerk)
    html = clerk.get("/identity/reviews").get_data(as_text=True)
    assert NAME in html and invited["case"].case_number in html and "defendant" in html.lower()
    assert "waiting" in html and "asked from this case" in html
    assert "checked" not in re.search(r'<fieldset>.*?</fieldset>', html, re.S).group(0)


def test_self_upload_of_an_invited_stranger_reaches_the_clerk(english, make_client, auth, db, invited):
    invited["court"].id_card_enrolment = False
    db.session.commit()
    english.post(invited["link"])
    resp = english.post("/identity/reference", data={
        "photo": (io.BytesIO(photo("asian_frl005_2")), "me.jpg"),
        "id_card": (io.BytesIO(photo("asian_frl005_1")), "card.jpg")}, content_type="multipart/form-data")
    assert resp.status_code == 302
    reviews = identity.reviews_for(invited["clerk"])
    assert [r.reason for r in reviews] == ["pending_approval"]
    assert identity.person_cases(invited["person"], invited["court"].id) == [(invited["case"], "defendant")]


# --- SMS links ----------------------------------------------------------------------------------

def test_used_link_takes_its_signed_in_owner_to_the_same_step(client, db, invited):
    client.post(invited["link"])
    again = client.get(invited["link"])
    assert again.status_code == 302 and again.location.endswith("/join")
    assert client.post(invited["link"]).location.endswith("/join")  # a second tap on the confirm button


def test_used_link_in_a_new_browser_asks_to_sign_in_and_lands_on_the_step(make_client, db, invited):
    first = make_client()
    first.post(invited["link"])
    other = make_client()
    other.set_cookie("lang", "en")
    page = other.get(invited["link"])
    assert page.status_code == 410 and "Sign in" in page.get_data(as_text=True)
    from app.services import auth as auth_service
    code = _sign_in_code(other, db, invited["person"].phone, auth_service)
    resp = other.post("/signin/code", data={"phone": invited["person"].phone, "code": code})
    assert resp.status_code == 302 and resp.location.endswith(f"/filings/{invited['case'].filing_ref}/join")


def test_someone_else_signing_in_after_a_used_link_does_not_land_on_its_step(make_client, db, invited, make_user):
    make_client().post(invited["link"])
    other_person = make_user("litigant")
    browser = make_client()
    browser.get(invited["link"])
    from app.services import auth as auth_service
    code = _sign_in_code(browser, db, other_person.phone, auth_service)
    resp = browser.post("/signin/code", data={"phone": other_person.phone, "code": code})
    assert resp.status_code == 302 and "/join" not in resp.location


def _sign_in_code(browser, db, phone, auth_service):
    """Ask for a sign-in code by SMS and read it from the outbox, as the phone would."""
    browser.post("/signin/phone", data={"phone": phone})
    db.session.expire_all()
    body = db.session.scalars(select(SmsMessage.body).where(SmsMessage.phone == phone, SmsMessage.kind == "login_code")
                              .order_by(SmsMessage.id.desc())).first()
    return re.search(r"\d{6}", body).group(0)


# --- step-ups keep intent -------------------------------------------------------------------

def test_sign_in_interrupting_a_post_keeps_the_form(make_client, db, invited):
    browser = make_client()
    browser.post(invited["link"])
    join = f"/filings/{invited['case'].filing_ref}/join"
    browser.post("/signout")
    resp = browser.post(join, data={"online": "no", "e_service": "yes"})
    assert resp.status_code == 302 and "/signin" in resp.location
    held = db.session.scalars(select(HeldAction)).one()
    assert held.reason == "sign_in" and held.user_id is None and ["online", "no"] in held.fields
    from app.services import auth as auth_service
    code = _sign_in_code(browser, db, invited["person"].phone, auth_service)
    resp = browser.post("/signin/code", data={"phone": invited["person"].phone, "code": code})
    assert resp.location == "/identity/resume"
    assert 'name="online" value="no"' in browser.get("/identity/resume").get_data(as_text=True)


def test_a_held_form_is_not_offered_to_another_person(make_client, db, invited, make_user):
    browser = make_client()
    browser.post(invited["link"])
    join = f"/filings/{invited['case'].filing_ref}/join"
    browser.post(join, data={"online": "yes", "e_service": "yes"})
    someone = make_user("litigant")
    other = make_client()
    path = create_action_link(someone, "/")
    db.session.commit()
    other.post(path)
    with other.session_transaction() as sess, browser.session_transaction() as mine:
        sess["held_action"] = mine["held_action"]  # even with the key copied across
    assert other.get("/identity/resume").status_code == 302


def test_clerk_verification_holds_for_the_person_in_a_new_session(make_client, auth, db, invited):
    from app.models import ClerkReview
    db.session.add(ClerkReview(user_id=invited["person"].id, reason="failures"))
    db.session.commit()
    clerk = make_client()
    auth.login(invited["clerk"], c=clerk)
    review = db.session.scalars(select(ClerkReview)).one()
    assert clerk.post(f"/identity/reviews/{review.id}", data={"note": "seen at the counter"}).status_code == 302
    assert db.session.scalars(select(ClerkReview)).one().status == "open"  # no decision chosen: nothing done
    clerk.post(f"/identity/reviews/{review.id}", data={"action": "verify", "note": "seen at the counter"})
    phone = make_client()  # a new session, long after the one that failed
    path = create_action_link(invited["person"], "/")
    db.session.commit()
    phone.post(path)
    join = f"/filings/{invited['case'].filing_ref}/join"
    resp = phone.post(join, data={"online": "yes", "e_service": "yes"})
    assert resp.status_code == 302 and "/identity/check" not in resp.location
    assert db.session.get(CaseParty, invited["party"].id).user_id == invited["person"].id


def test_clerk_can_enrol_an_invited_stranger_at_the_counter(make_client, auth, db, invited):
    clerk = make_client()
    auth.login(invited["clerk"], c=clerk)
    html = clerk.get(f"/identity/enrol?case={invited['case'].id}").get_data(as_text=True)
    assert f'value="{invited["person"].id}"' in html


def test_party_without_an_id_number_is_not_offered_the_card(english, db, invited):
    invited["party"].id_number = None
    db.session.commit()
    english.post(invited["link"])
    assert english.get("/identity/card").status_code == 404
    page = english.get("/identity/check").get_data(as_text=True)
    assert "/identity/card" not in page and "/identity/reference" in page


def test_htmx_post_interrupted_by_the_face_check_is_held_and_redirected(client, db, invited):
    client.post(invited["link"])
    join = f"/filings/{invited['case'].filing_ref}/join"
    resp = client.post(join, data={"online": "yes", "e_service": "no"}, headers={"HX-Request": "true"})
    assert resp.headers.get("HX-Redirect", "").startswith("/identity/check")
    assert db.session.scalars(select(HeldAction)).one().path == join


@pytest.mark.parametrize("challenge", ["turn_left", "turn_right"])
def test_face_check_with_liveness_passes_on_the_first_try_with_a_turned_head(english, auth, db, make_user,
                                                                             make_case, make_court, app,
                                                                             monkeypatch, challenge):
    """#14 item 3: with the liveness challenge on, a frontal selfie and a real turned-head photo pass
    at once, whichever way the phone mirrors the picture."""
    from app.models import FaceCheck
    monkeypatch.setitem(app.config, "FACE_LIVENESS_REQUIRED", True)
    court = make_court()
    clerk = make_user("clerk", court=court)
    person = make_user("litigant")
    make_case(court=court, filer=person)
    identity.enroll_reference(person, photo("asian_frl005_1"), "court_enrolment", clerk)
    db.session.commit()
    auth.login(person)
    page = english.get("/identity/check?next=/signature").get_data(as_text=True)
    cid = re.search(r'name="check_id"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="check_id"', page)
    cid = cid.group(1) or cid.group(2)
    db.session.get(FaceCheck, int(cid)).challenge = challenge
    db.session.commit()
    resp = english.post("/identity/check", data={
        "check_id": cid, "next": "/signature", "selfie": (io.BytesIO(photo("asian_frl005_2")), "a.jpg"),
        "challenge_photo": (io.BytesIO(photo("asian_frl005_3")), "b.jpg")}, content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.location == "/signature"
    assert db.session.get(FaceCheck, int(cid)).outcome == "match"


def test_correction_reply_interrupted_by_the_face_check_comes_back_intact(client, db, auth, make_user, make_court):
    """#14 item 2: the typed correction reply survives the face check and is sent with one tap."""
    from app.models import Case
    from tests.services.test_filing import complete_draft, valid_id
    court = make_court()
    clerk = make_user("clerk", court=court)
    filer = make_user("litigant", name="王芳")
    filer.id_number = valid_id()
    db.session.commit()
    case = complete_draft(db, court, filer)
    filing.submit(case, filer)
    filing.request_correction(case, clerk, [{"kind": "other", "target": "", "note": "说明借款时间"}], days=2)
    db.session.commit()
    auth.login(filer, face=False)
    reply = "借款时间为2025年3月1日，见第2页。"
    url = f"/filings/{case.filing_ref}/resubmit"
    from app.models import CorrectionItem
    item = db.session.scalars(select(CorrectionItem)).one()
    answer = "已在起诉状第2页写明。"
    resp = client.post(url, data={"revision": db.session.get(Case, case.id).revision, "reply": reply,
                                  f"response-{item.id}": answer})
    assert resp.status_code == 302 and resp.location.startswith("/identity/check")
    assert db.session.get(Case, case.id).state == "needs_correction"
    # The face check passes (here: a clerk's verification), and the person lands on the held reply.
    identity.clerk_verify(filer, clerk, "called back on the phone number on file")
    db.session.commit()
    resp = client.get(resp.location)
    assert resp.status_code == 302 and resp.location == "/identity/resume"
    resume = client.get("/identity/resume").get_data(as_text=True)
    assert f'action="{url}"' in resume and reply in resume and answer in resume
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', resume))
    assert client.post(url, data=fields).status_code == 302
    assert db.session.get(Case, case.id).state == "resubmitted"


def test_hearing_entry_after_a_clerks_verification_is_recorded_as_the_clerks(client, auth, db, make_user, make_case,
                                                                             make_court):
    """The record says how identity was verified: a clerk's verification is not a face check."""
    from app.models import CaseEvent
    from tests.services.test_hearings import build_room
    r = build_room(db, make_user, make_case, make_court)
    clerk = make_user("clerk")
    clerk.court_id = r.case.court_id
    identity.clerk_verify(r.defendant, clerk, "seen at the counter with the ID card")
    db.session.commit()
    auth.login(r.defendant, face=False)
    url = f"/cases/{r.case.id}/hearings/{r.hearing.id}"
    assert client.get(url).status_code == 200
    # GET never writes: the admission is recorded with the person's first act in the room.
    assert client.post(f"{url}/messages", data={"text": "到庭", "key": "k-clerk"}).status_code == 302
    ev = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "identity_verified"))
    assert ev.data["method"] == "clerk"
