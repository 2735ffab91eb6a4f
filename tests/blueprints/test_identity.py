"""The face check in requests: the gate round trip, every bad photo, limits, the clerks' queue."""
import io
import re
import struct
import zlib
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter, ImageOps
from sqlalchemy import select

from app.models import ClerkReview, FaceCheck, FaceReference, utcnow
from app.services import identity
from app.services.auth import create_action_link
from tests.conftest import FACES_DIR

GATED = "/signature"  # a real step behind @face_check_required (capturing one's signature)


def raw(name):
    path = FACES_DIR / f"{name}.jpg"
    if not path.is_file():
        pytest.fail(f"test photo {path} missing: set FACES_DIR to the shared faces folder")
    return path.read_bytes()


def upright(name):
    return ImageOps.exif_transpose(Image.open(io.BytesIO(raw(name)))).convert("RGB")


def encode(img, fmt="JPEG", **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def bomb_png(side=30000):
    """A valid 1-bit 30000 x 30000 PNG of ~110 KB: 900 megapixels once decoded."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    comp = zlib.compressobj(9)
    block = (b"\x00" * (1 + (side + 7) // 8)) * 1000
    idat = b"".join(comp.compress(block) for _ in range(side // 1000)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def no_face():
    y = np.linspace(0, 1, 600)[:, None] * np.ones((1, 800))
    img = np.stack([90 + 80 * y, 140 + 60 * y, 230 - 40 * y], -1)
    img += np.random.default_rng(1).normal(0, 4, img.shape)
    return encode(Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)))


def face_too_small():
    canvas = Image.new("RGB", (2400, 2400), (120, 140, 110))
    canvas.paste(upright("obama_1").resize((648, 810)), (900, 800))
    return encode(canvas)


def png_with_alpha():
    rgba = upright("obama_2").convert("RGBA")
    a = np.asarray(rgba).copy()
    a[:40, :, 3] = 0  # a transparent band at the top
    return encode(Image.fromarray(a, "RGBA"), "PNG")


def twelve_mp():
    face = upright("obama_2")  # 626 x 1200, scaled to the full height of a 4000 x 3000 photo
    big = Image.new("RGB", (4000, 3000), (128, 128, 128))
    big.paste(face.resize((face.width * 3000 // face.height, 3000), Image.Resampling.LANCZOS), (1400, 0))
    return encode(big, quality=90)


BAD = {
    "no_face": (no_face, "No face was found in the photo"),
    "two_faces": (lambda: raw("group_two_faces"), "More than one face is in the photo"),
    "face_too_small": (face_too_small, "Your face is too small in the photo"),
    "too_dark": (lambda: encode(ImageEnhance.Brightness(upright("obama_2")).enhance(0.25)), "The photo is too dark"),
    "blurred": (lambda: encode(upright("obama_2").filter(ImageFilter.GaussianBlur(8))), "The photo is blurred"),
    "truncated": (lambda: raw("obama_2")[: len(raw("obama_2")) // 2], "incomplete or damaged"),
    "not_an_image": (lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 50,
                     "This file is not a photo we can read"),
    "bomb": (bomb_png, "The image has far too many pixels"),
}
GOOD = {
    "png_with_alpha": png_with_alpha,
    "cmyk_jpeg": lambda: encode(upright("obama_2").convert("CMYK")),
    "greyscale_jpeg": lambda: encode(upright("obama_2").convert("L")),
    "twelve_megapixels": twelve_mp,
}


@pytest.fixture
def party(db, make_user, make_case, make_court):
    court = make_court()
    clerk = make_user("clerk", court=court)
    person = make_user("litigant")
    make_case(court=court, filer=person)
    identity.enroll_reference(person, raw("obama_1"), "court_enrolment", clerk)
    db.session.commit()
    return dict(person=person, clerk=clerk, court=court)


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def no_liveness(app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_LIVENESS_REQUIRED", False)


def check_id(client, next_url="/"):
    page = client.get("/identity/check", query_string={"next": next_url})
    assert page.status_code == 200, page.data[:300]
    return _check_id_value(page.get_data(as_text=True))


def _check_id_value(html):
    tag = re.search(r"<input[^>]*name=\"check_id\"[^>]*>", html).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def send(client, selfie, second=None, next_url="/", cid=None):
    data = {"check_id": cid or check_id(client, next_url), "next": next_url,
            "selfie": (io.BytesIO(selfie), "selfie.jpg")}
    if second is not None:
        data["challenge_photo"] = (io.BytesIO(second), "second.jpg")
    return client.post("/identity/check", data=data, content_type="multipart/form-data")


# --- the gate round trip ------------------------------------------------------------------------

def test_party_from_sms_link_verifies_and_lands_on_the_linked_step(client, db, party, no_liveness):
    path = create_action_link(party["person"], GATED + "?next=/cases")
    db.session.commit()
    resp = client.post(path)
    assert resp.location == GATED + "?next=/cases"
    resp = client.get(resp.location)
    assert resp.status_code == 302
    url = urlparse(resp.location)
    assert url.path == "/identity/check" and parse_qs(url.query)["next"] == [GATED + "?next=/cases"]
    resp = send(client, raw("obama_2"), next_url=GATED + "?next=/cases")
    assert resp.status_code == 302 and resp.location == GATED + "?next=/cases"
    assert client.get(resp.location).status_code == 200
    chk = db.session.scalar(select(FaceCheck).where(FaceCheck.outcome == "match"))
    assert chk.distance < 0.46 and chk.threshold == 0.5 and chk.model and chk.ip


def test_check_page_is_a_plain_two_photo_form(client, auth, party):
    auth.login(party["person"])
    html = client.get("/identity/check?next=/signature").get_data(as_text=True)
    inputs = re.findall(r"<input[^>]*type=\"file\"[^>]*>", html)
    assert len(inputs) == 2
    assert all('accept="image/*"' in i and 'capture="user"' in i for i in inputs)
    assert 'enctype="multipart/form-data"' in html and "<script" not in html.split("</head>")[1]
    assert 'value="/signature"' in html


def test_check_page_does_not_claim_to_be_spoof_proof(english, auth, party):
    auth.login(party["person"])
    html = english.get("/identity/check").get_data(as_text=True)
    assert "only a basic liveness check" in html and "cannot detect every trick" in html
    assert "spoof-proof" not in html.lower()


def test_frontal_second_photo_fails_liveness_when_required(english, auth, db, party):
    auth.login(party["person"])
    resp = send(english, raw("obama_2"), raw("obama_3"), next_url=GATED)
    assert resp.status_code == 302 and resp.location.startswith("/identity/check")
    assert "does not show what the instruction asked" in english.get(resp.location).get_data(as_text=True)
    assert english.get(GATED).status_code == 302  # still not verified
    assert db.session.scalar(select(FaceCheck.outcome).where(FaceCheck.finished_at.is_not(None))) == "liveness_failed"


def test_missing_challenge_photo_is_asked_for(english, auth, party):
    auth.login(party["person"])
    resp = send(english, raw("obama_2"))
    assert resp.status_code == 400 and "Take or choose a photo." in resp.get_data(as_text=True)


def test_other_face_is_refused_and_the_step_stays_closed(english, auth, party, no_liveness):
    auth.login(party["person"])
    resp = send(english, raw("biden_1"), next_url=GATED)
    assert resp.location.startswith("/identity/check")
    assert "does not match your reference photo" in english.get(resp.location).get_data(as_text=True)
    assert english.get(GATED).status_code == 302


def test_next_cannot_leave_the_site(client, auth, party, no_liveness):
    auth.login(party["person"])
    resp = send(client, raw("obama_2"), next_url="//evil.example/x")
    assert resp.status_code == 302 and resp.location == "/"


def test_staff_are_not_face_checked(client, auth, party):
    auth.login(party["clerk"])
    resp = client.get("/identity/check?next=/signature")
    assert resp.status_code == 302 and resp.location == "/signature"


def test_person_without_reference_is_sent_to_upload_one(english, auth, make_user):
    auth.login(make_user("litigant"))
    html = english.get("/identity/check").get_data(as_text=True)
    assert "we need a reference photo" in html and "/identity/reference" in html


# --- every bad photo ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(BAD))
def test_bad_photo_gets_a_specific_message(english, auth, db, party, no_liveness, kind):
    make, message = BAD[kind]
    auth.login(party["person"])
    resp = send(english, make(), next_url=GATED)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html[:300]
    assert message in html and "Traceback" not in html
    assert re.search(r'<input[^>]*name="selfie"', html)  # the form is there to try again
    assert english.get(GATED).status_code == 302


@pytest.mark.parametrize("kind", list(BAD)[:3])
def test_bad_photo_message_names_the_second_photo(english, auth, party, kind):
    make, message = BAD[kind]
    auth.login(party["person"])
    html = send(english, raw("obama_2"), make()).get_data(as_text=True)
    label = html.index('for="challenge_photo"')
    assert html.rindex(message) > label  # under photo 2, not photo 1 (and in the summary at the top)


@pytest.mark.parametrize("kind", list(GOOD))
def test_unusual_but_valid_photos_are_accepted(client, auth, party, no_liveness, kind):
    auth.login(party["person"])
    resp = send(client, GOOD[kind](), next_url=GATED)
    assert resp.status_code == 302 and resp.location == GATED, resp.get_data(as_text=True)[:500]


def test_photo_over_the_per_file_limit(english, auth, app, party, no_liveness, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_MAX_UPLOAD_MB", 1)
    auth.login(party["person"])
    resp = send(english, twelve_mp() + b"\x00" * (1024 * 1024))
    assert resp.status_code == 413 and "The photo file is too large. The limit is 1 MB." in resp.get_data(as_text=True)


def test_request_over_the_upload_limit(english, auth, app, party, no_liveness, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 512 * 1024)
    auth.login(party["person"])
    resp = send(english, b"\xff\xd8\xff" + b"\x00" * (600 * 1024))
    assert resp.status_code == 413 and "The file is too large" in resp.get_data(as_text=True)


# --- limits -------------------------------------------------------------------------------------

def test_checks_are_rate_limited_per_person(english, auth, app, party, no_liveness, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_FACE_PER_USER", "2 per hour")
    auth.login(party["person"])
    for _ in range(2):
        assert send(english, BAD["not_an_image"][0]()).status_code == 422
    resp = send(english, raw("obama_2"))
    assert resp.status_code == 429 and "Too many attempts" in resp.get_data(as_text=True)


def test_checks_are_rate_limited_per_address(make_client, auth, app, db, party, make_user, no_liveness, monkeypatch):
    monkeypatch.setitem(app.config, "LIMIT_FACE_PER_IP", "2 per hour")
    other = make_user("litigant")
    identity.enroll_reference(other, raw("leslie_1"), "court_enrolment", None)
    db.session.commit()
    a, b = make_client(), make_client()
    auth.login(party["person"], c=a)
    auth.login(other, c=b)
    assert send(a, BAD["not_an_image"][0]()).status_code == 422
    assert send(b, BAD["not_an_image"][0]()).status_code == 422
    assert send(b, raw("leslie_2")).status_code == 429


def test_after_five_failures_the_person_waits_and_the_clerk_sees_it(english, auth, db, party, no_liveness):
    auth.login(party["person"])
    for _ in range(5):
        assert send(english, raw("biden_1")).status_code == 302
    html = english.get("/identity/check").get_data(as_text=True)
    assert "Try again in 1 minutes" in html and 'name="selfie"' not in html
    clerk_client = english.application.test_client()
    clerk_client.set_cookie("lang", "en")
    auth.login(party["clerk"], c=clerk_client)
    queue = clerk_client.get("/identity/reviews").get_data(as_text=True)
    assert party["person"].name in queue and "5 failed face checks" in queue


def test_expired_challenge_gives_a_new_one(english, auth, db, party, no_liveness):
    auth.login(party["person"])
    cid = check_id(english)
    db.session.get(FaceCheck, int(cid)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = send(english, raw("obama_2"), cid=cid)
    assert resp.status_code == 302
    page = english.get(resp.location).get_data(as_text=True)
    assert "has expired" in page and _check_id_value(page) != cid


# --- reference photos and the clerks' queue -----------------------------------------------------

def test_litigant_uploads_a_reference_and_a_clerk_approves_it(english, make_client, auth, db, make_user, party,
                                                              no_liveness):
    person = make_user("litigant")
    from app.models import Case, CaseParty
    case = db.session.scalar(select(Case).where(Case.court_id == party["court"].id))
    case.parties.append(CaseParty(role="defendant", name=person.name, user_id=person.id))
    db.session.commit()
    auth.login(person)
    resp = english.post("/identity/reference", content_type="multipart/form-data",
                        data={"photo": (io.BytesIO(raw("leslie_1")), "me.jpg"),
                              "id_card": (io.BytesIO(raw("leslie_2")), "card.jpg")})
    assert resp.status_code == 302
    assert "waiting for a court clerk" in english.get("/identity/check").get_data(as_text=True)

    clerk = make_client()
    clerk.set_cookie("lang", "en")
    auth.login(party["clerk"], c=clerk)
    review = db.session.scalar(select(ClerkReview).where(ClerkReview.user_id == person.id))
    queue = clerk.get("/identity/reviews").get_data(as_text=True)
    assert "Reference photo to approve" in queue and "Face on the ID card: distance" in queue
    photo = clerk.get(f"/identity/reviews/{review.id}/photo/id_card")
    assert photo.status_code == 200 and photo.headers["Content-Disposition"].startswith("attachment")
    assert clerk.post(f"/identity/reviews/{review.id}", data={"action": "approve", "note": ""}).status_code == 302
    assert db.session.scalar(select(FaceReference.status).where(FaceReference.user_id == person.id)) == "active"

    assert send(english, raw("leslie_2"), next_url=GATED).location == GATED


def test_bad_reference_upload_names_the_photo(english, auth, party):
    auth.login(party["person"])
    resp = english.post("/identity/reference", content_type="multipart/form-data",
                        data={"photo": (io.BytesIO(raw("obama_2")), "me.jpg"),
                              "id_card": (io.BytesIO(b"not an image at all" * 10), "card.jpg")})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and html.rindex("This file is not a photo we can read") > html.index('for="id_card"')


def test_clerk_verifies_manually_with_a_reason(english, make_client, auth, db, party, no_liveness, monkeypatch):
    monkeypatch.setitem(english.application.config, "FACE_THRESHOLD", 0.37)
    monkeypatch.setitem(english.application.config, "FACE_BORDERLINE_BAND", 0.05)
    auth.login(party["person"])
    resp = send(english, raw("obama_2"), next_url=GATED)
    assert "A court clerk will look at it" in english.get(resp.location).get_data(as_text=True)
    review = db.session.scalar(select(ClerkReview).where(ClerkReview.reason == "borderline"))

    clerk = make_client()
    clerk.set_cookie("lang", "en")
    auth.login(party["clerk"], c=clerk)
    assert "Distance 0.3" in clerk.get("/identity/reviews").get_data(as_text=True)
    resp = clerk.post(f"/identity/reviews/{review.id}", data={"action": "verify", "note": ""})
    assert "Write the reason." in clerk.get(resp.location).get_data(as_text=True)
    clerk.post(f"/identity/reviews/{review.id}", data={"action": "verify", "note": "Called her back; ID shown"})
    done = db.session.scalar(select(FaceCheck).where(FaceCheck.outcome == "clerk_verified"))
    assert done.verified_by_id == party["clerk"].id and done.note == "Called her back; ID shown"
    assert english.get(GATED).status_code == 200  # the litigant's session is verified now


def test_clerk_of_another_court_sees_nothing(make_client, auth, db, party, make_user, no_liveness, client):
    for _ in range(4):
        db.session.add(FaceCheck(user_id=party["person"].id, outcome="no_match",
                                 finished_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    auth.login(party["person"])
    send(client, raw("biden_1"))
    review = db.session.scalar(select(ClerkReview))
    assert review is not None
    stranger = make_client()
    auth.login(make_user("clerk"), c=stranger)
    assert party["person"].name not in stranger.get("/identity/reviews").get_data(as_text=True)
    assert stranger.post(f"/identity/reviews/{review.id}", data={"action": "verify", "note": "x"}).status_code == 404


def test_litigants_cannot_open_clerk_pages(client, auth, party):
    auth.login(party["person"])
    assert client.get("/identity/reviews").status_code == 404
    assert client.get("/identity/enrol?case=1").status_code == 404


def test_clerk_enrols_a_party_photo(english, auth, db, party, make_user):
    from app.models import Case
    case = db.session.scalar(select(Case).where(Case.court_id == party["court"].id))
    auth.login(party["clerk"])
    page = english.get(f"/identity/enrol?case={case.id}").get_data(as_text=True)
    assert party["person"].name in page
    resp = english.post("/identity/enrol", content_type="multipart/form-data",
                        data={"case": case.id, "person": party["person"].id, "source": "court_enrolment",
                              "photo": (io.BytesIO(raw("obama_3")), "at-court.jpg")})
    assert resp.status_code == 302
    refs = db.session.scalars(select(FaceReference).where(FaceReference.user_id == party["person"].id)
                              .order_by(FaceReference.id)).all()
    assert [r.status for r in refs] == ["revoked", "active"] and refs[1].created_by_id == party["clerk"].id
    other_case = english.get(f"/identity/enrol?case={case.id + 999}")
    assert other_case.status_code == 404
