"""First-time identity from the resident ID card (首次实名认证): synthetic card photos (tests/id_cards.py)
with real portraits from the shared faces, live selfies, the check digit, the case's data, limits,
the clerk's queue and an identity provider on loopback."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from sqlalchemy import select

from app.models import CaseParty, ClerkReview, FaceCheck, StoredFile
from app.services import faces, identity, storage
from app.services.auth import start_session
from app.services.errors import NotAllowed
from tests.conftest import FACES_DIR
from tests.id_cards import card_photo, screen_photo

ID_NUMBER = "110101199003078515"  # a valid GB 11643 number (check character 5)
NAME = "张伟"


def photo(name):
    path = FACES_DIR / f"{name}.jpg"
    if not path.is_file():
        pytest.fail(f"test photo {path} missing: set FACES_DIR to the shared faces folder")
    return path.read_bytes()


def card(name, **kw):
    return card_photo(FACES_DIR / f"{name}.jpg", name=kw.pop("card_name", NAME),
                      id_number=kw.pop("card_number", ID_NUMBER), **kw)


@pytest.fixture
def stranger(db, make_user, make_case, make_court):
    """An invited defendant the court has never seen: an account made from the party's mobile number,
    no reference photo, not linked to the party yet; the court allows ID card enrolment."""
    court = make_court()
    court.id_card_enrolment = True
    clerk = make_user("clerk", court=court)
    case = make_case(court=court)
    person = make_user("litigant", name=NAME)
    party = CaseParty(role="defendant", name=NAME, id_number=ID_NUMBER, phone=person.phone)
    case.parties.append(party)
    db.session.commit()
    row, _raw = start_session(person, "link")
    db.session.commit()
    return dict(court=court, clerk=clerk, case=case, person=person, party=party, row=row)


def enrol(s, card_bytes, selfie, turned, name=NAME, number=ID_NUMBER):
    return identity.enrol_from_id_card(s["person"], s["party"], name=name, id_number=number, card=card_bytes,
                                       selfie=photo(selfie), challenge=photo(turned), session_row=s["row"])


def test_stranger_enrols_from_their_card_without_a_clerk(stranger, db, app):
    result = enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3")
    assert result.outcome == "enrolled", result.reason
    assert result.distance < app.config["FACE_CARD_THRESHOLD"] - app.config["FACE_CARD_BORDERLINE_BAND"]
    ref = identity.active_reference(stranger["person"])
    assert ref.source == "id_card" and ref.id_card_distance == pytest.approx(result.distance)
    assert ref.created_by_id == stranger["person"].id
    assert stranger["person"].face_verified or stranger["row"].face_verified_until is not None
    assert not db.session.scalars(select(ClerkReview)).all()
    check = db.session.scalars(select(FaceCheck)).one()
    assert check.outcome == "match" and check.detail["kind"] == "id_card"


def test_only_face_crops_are_kept_never_the_card_photo(stranger, db):
    enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3")
    db.session.commit()
    files = db.session.scalars(select(StoredFile)).all()
    assert len(files) == 2
    for f in files:
        with Image.open(storage.path_of(f)) as im:
            assert max(im.size) <= 240  # a face crop, not a 12 MP card photo
        assert f.size < 40_000


def test_another_persons_card_is_refused_and_counted(stranger, db):
    result = enrol(stranger, card("asian_frl067_1"), "asian_frl005_2", "asian_frl005_3")
    assert result.outcome == "refused" and result.reason == "no_match"
    assert result.distance > 0.42
    assert identity.active_reference(stranger["person"]) is None
    assert identity.pending_reference(stranger["person"]) is None
    assert identity.failure_count(stranger["person"]) == 1


def test_borderline_goes_to_the_clerk_with_the_case(stranger, db, make_user):
    # obama_1 on the card against obama_3: 0.36, inside the clerk band 0.30 - 0.42.
    result = enrol(stranger, card("obama_1"), "obama_3", "obama_2")
    assert result.outcome == "clerk", (result.reason, result.distance)
    review = db.session.scalars(select(ClerkReview)).one()
    assert review.reason == "pending_approval" and review.case_id == stranger["case"].id
    assert review.reference.status == "pending_approval" and review.reference.id_card_distance
    assert review in identity.reviews_for(stranger["clerk"])
    assert identity.person_cases(stranger["person"], stranger["court"].id) == [(stranger["case"], "defendant")]
    identity.approve_reference(review.reference, stranger["clerk"])
    assert identity.active_reference(stranger["person"]).source == "id_card"


def test_bad_check_digit_is_a_typo_not_a_try(stranger, db):
    with pytest.raises(identity.IdNumberInvalid):
        enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3", number="110101199003078514")
    assert identity.failure_count(stranger["person"]) == 0


def test_valid_number_not_the_one_the_filer_gave_is_refused(stranger, db):
    other = "11010519491231002X"
    result = enrol(stranger, card("asian_frl005_1", card_number=other), "asian_frl005_2", "asian_frl005_3",
                   number=other)
    assert result.outcome == "refused" and result.reason == "id_mismatch"
    assert identity.failure_count(stranger["person"]) == 1


def test_name_not_the_one_the_filer_gave_is_refused(stranger, db):
    result = enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3", name="李四")
    assert result.outcome == "refused" and result.reason == "id_mismatch"


def test_photo_without_a_card_is_refused_by_name(stranger, db):
    from tests.id_cards import card_image, phone_photo
    blank = phone_photo(card_image(None, name=NAME, id_number=ID_NUMBER), seed=3)
    with pytest.raises(identity.PhotoUnusable) as exc:
        enrol(stranger, blank, "asian_frl005_2", "asian_frl005_3")
    assert exc.value.code == "no_face" and exc.value.photo == "id_card"
    assert "ID card portrait" in exc.value.message
    assert identity.failure_count(stranger["person"]) == 0


def test_two_faces_on_the_card_photo_are_refused(stranger, db):
    two = card("asian_frl005_1", extra_faces=(FACES_DIR / "asian_frl087_1.jpg",))
    with pytest.raises(identity.PhotoUnusable) as exc:
        enrol(stranger, two, "asian_frl005_2", "asian_frl005_3")
    assert exc.value.code == "two_faces" and exc.value.photo == "id_card"


def test_frontal_photo_as_the_turn_fails_liveness(stranger, db):
    result = enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_1")
    assert result.outcome == "refused" and result.reason == "liveness"
    assert identity.active_reference(stranger["person"]) is None


def test_a_screen_replaying_one_frontal_photo_fails_liveness(stranger, db):
    shown = screen_photo(FACES_DIR / "asian_frl005_2.jpg")
    result = identity.enrol_from_id_card(stranger["person"], stranger["party"], name=NAME, id_number=ID_NUMBER,
                                         card=card("asian_frl005_1"), selfie=shown, challenge=shown,
                                         session_row=stranger["row"])
    assert result.outcome == "refused" and result.reason == "liveness"


def test_repeated_mismatches_make_the_person_wait_and_reach_the_clerk(stranger, db, app):
    for _ in range(app.config["FACE_FAILURES_BEFORE_DELAY"]):
        enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3", name="李四")
    with pytest.raises(identity.TooManyFailures):
        enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3")
    review = db.session.scalars(select(ClerkReview)).one()
    assert review.reason == "failures" and review in identity.reviews_for(stranger["clerk"])


def test_court_without_the_setting_refuses(stranger, db):
    stranger["court"].id_card_enrolment = False
    with pytest.raises(NotAllowed):
        enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3")


def test_someone_not_named_in_the_case_cannot_use_its_party(stranger, db, make_user):
    outsider = make_user("litigant")
    with pytest.raises(NotAllowed):
        identity.enrol_from_id_card(outsider, stranger["party"], name=NAME, id_number=ID_NUMBER,
                                    card=card("asian_frl005_1"), selfie=photo("asian_frl005_2"),
                                    challenge=photo("asian_frl005_3"))


# --- liveness calibrated on the real turned-head photos -------------------------------------

@pytest.mark.parametrize("frontal,turned", [
    ("pose_frl045_frontal", "pose_frl045_turned_left"), ("pose_frl045_frontal", "pose_frl045_turned_right"),
    ("asian_frl005_1", "asian_frl005_3"), ("asian_frl034_1", "asian_frl034_3"),
    ("asian_frl067_2", "asian_frl067_3"), ("asian_frl087_1", "asian_frl087_3")])
def test_a_real_turned_head_passes_the_challenge(frontal, turned):
    assert faces.turned_enough(faces.analyse(photo(frontal)), faces.analyse(photo(turned)))


@pytest.mark.parametrize("frontal,second", [
    ("pose_frl045_frontal", "pose_frl045_frontal"), ("asian_frl005_1", "asian_frl005_2"),
    ("hard_zoom_60cm", "hard_zoom_closeup_15cm"), ("obama_1", "obama_3")])
def test_a_frontal_second_photo_fails_the_challenge(frontal, second):
    assert not faces.turned_enough(faces.analyse(photo(frontal)), faces.analyse(photo(second)))


def test_full_profile_is_refused_as_no_face():
    with pytest.raises(faces.UnusableImage) as exc:
        faces.analyse(photo("pose_frl045_profile_left"))
    assert exc.value.code == "no_face"


# --- a clerk's verification holds for the person ---------------------------------------------

def test_clerk_verification_holds_for_the_person_in_a_new_session(stranger, db, app):
    identity.clerk_verify(stranger["person"], stranger["clerk"], "seen at the counter with the ID card")
    db.session.commit()
    assert identity.clerk_vouched(stranger["person"]) is not None
    later = identity.clerk_vouched(stranger["person"], now=identity.utcnow() + identity.timedelta(
        hours=app.config["FACE_CLERK_VERIFIED_HOURS"], minutes=1))
    assert later is None


# --- an identity provider on loopback --------------------------------------------------------

@pytest.fixture
def provider(app, monkeypatch):
    """A real HTTP identity provider on 127.0.0.1 answering with `Provider.answer`."""
    class Provider:
        answer, status, received = {"outcome": "match", "score": 0.98, "reference": "tx-1"}, 200, []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            Provider.received.append({"body": body, "auth": self.headers.get("Authorization")})
            self.send_response(Provider.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(Provider.answer).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(app.config, "IDENTITY_PROVIDER", "http")
    monkeypatch.setitem(app.config, "IDENTITY_PROVIDER_URL", f"http://127.0.0.1:{server.server_port}/verify")
    monkeypatch.setitem(app.config, "IDENTITY_PROVIDER_TOKEN", "secret-token")
    monkeypatch.setitem(app.config, "IDENTITY_PROVIDER_TIMEOUT", 3)
    Provider.received = []
    yield Provider
    server.shutdown()


def test_provider_receives_name_number_and_selfie(app, provider):
    from app.services.identity_provider import configured_provider
    with app.app_context():
        result = configured_provider().verify(NAME, ID_NUMBER, b"\xff\xd8selfie")
    assert result.outcome == "match" and result.score == 0.98 and result.reference == "tx-1"
    sent = provider.received[0]
    assert sent["auth"] == "Bearer secret-token"
    assert sent["body"]["name"] == NAME and sent["body"]["id_number"] == ID_NUMBER
    assert sent["body"]["selfie_jpeg_base64"] == "/9hzZWxmaWU="


def test_provider_saying_no_refuses_even_a_matching_card(stranger, db, provider):
    provider.answer = {"outcome": "no_match", "score": 0.1}
    result = enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3")
    assert result.outcome == "refused" and result.reason == "provider"
    assert identity.active_reference(stranger["person"]) is None


def test_provider_agreeing_enrols(stranger, db, provider):
    result = enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3")
    assert result.outcome == "enrolled"
    check = db.session.scalars(select(FaceCheck)).one()
    assert check.detail["provider"]["outcome"] == "match"


def test_provider_down_sends_the_person_to_the_clerk(stranger, db, provider):
    provider.status, provider.answer = 503, {"error": "maintenance"}
    result = enrol(stranger, card("asian_frl005_1"), "asian_frl005_2", "asian_frl005_3")
    assert result.outcome == "clerk"
    assert db.session.scalars(select(ClerkReview)).one().case_id == stranger["case"].id


def test_provider_answering_nonsense_counts_as_unavailable(app, provider):
    from app.services.identity_provider import configured_provider
    provider.answer = {"outcome": "probably"}
    with app.app_context():
        assert configured_provider().verify(NAME, ID_NUMBER, b"x").outcome == "unavailable"


def test_no_provider_by_default(app):
    from app.services.identity_provider import NoProvider, configured_provider
    with app.app_context():
        assert isinstance(configured_provider(), NoProvider)


# --- held actions ----------------------------------------------------------------------------

def test_a_form_too_big_to_hold_whole_is_not_held_at_all(app, db, stranger):
    from app.services import step_up
    row, raw = step_up.hold(stranger["person"], "face_check", "/x", "/y", [["reply", "字" * (step_up.MAX_CHARS + 1)]])
    assert row is None and raw is None
    row, raw = step_up.hold(stranger["person"], "face_check", "/x", "//evil.example", [["reply", "好"],
                                                                                      ["csrf_token", "t"]])
    assert row.fields == [["reply", "好"]] and row.back == "/"
    assert step_up.find(raw, stranger["person"]) is row
    assert step_up.claim(raw, stranger["person"]) is row and step_up.find(raw, stranger["person"]) is None
