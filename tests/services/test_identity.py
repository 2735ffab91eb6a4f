"""Identity service: references, checks on the real shared photos, liveness, delays, clerk reviews."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.demo.faces import enroll_demo_faces
from app.models import ClerkReview, FaceCheck, FaceReference, StoredFile, utcnow
from app.services import faces, identity, storage
from app.services.auth import start_session
from app.services.errors import NotAllowed
from tests.conftest import FACES_DIR


def photo(name):
    path = FACES_DIR / f"{name}.jpg"
    if not path.is_file():
        pytest.fail(f"test photo {path} missing: set FACES_DIR to the shared faces folder")
    return path.read_bytes()


@pytest.fixture
def court_setup(db, make_user, make_case, make_court):
    """A litigant with obama_1 enrolled by a clerk of the court of their case, and a live session."""
    court = make_court()
    clerk = make_user("clerk", court=court)
    person = make_user("litigant")
    case = make_case(court=court, filer=person)
    identity.enroll_reference(person, photo("obama_1"), "court_enrolment", clerk)
    row, _raw = start_session(person, "link")
    db.session.commit()
    return dict(court=court, clerk=clerk, person=person, case=case, row=row)


@pytest.fixture
def no_liveness(app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_LIVENESS_REQUIRED", False)


def check_with(s, selfie, second=None, challenge=None):
    chk = identity.start_check(s["person"], s["row"])
    if challenge:
        chk.challenge = challenge
    return identity.verify_selfie(s["person"], s["row"], photo(selfie), second and photo(second), check_id=chk.id)


def test_match_verifies_the_session_and_records_the_numbers(court_setup, no_liveness, app):
    result = check_with(court_setup, "obama_2")
    assert result.outcome == "match"
    assert 0.3 < result.distance < app.config["FACE_THRESHOLD"] - app.config["FACE_BORDERLINE_BAND"]
    assert result.threshold == 0.5 and result.band == 0.04 and result.model == faces.MODEL_NAME
    assert result.finished_at and result.reference_id
    left = court_setup["row"].face_verified_until - utcnow()
    assert timedelta(minutes=9) < left <= timedelta(minutes=10)


def test_other_person_is_no_match_and_session_stays_unverified(court_setup, no_liveness):
    result = check_with(court_setup, "biden_1")
    assert result.outcome == "no_match" and result.distance > 0.7
    assert court_setup["row"].face_verified_until is None


def test_borderline_distance_goes_to_clerk_review(court_setup, no_liveness, app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_THRESHOLD", 0.37)  # obama_1 - obama_2 is 0.366
    monkeypatch.setitem(app.config, "FACE_BORDERLINE_BAND", 0.05)
    result = check_with(court_setup, "obama_2")
    assert result.outcome == "borderline"
    assert court_setup["row"].face_verified_until is None
    review = identity.reviews_for(court_setup["clerk"])[0]
    assert review.reason == "borderline" and review.check_id == result.id


@pytest.mark.parametrize("challenge", faces.CHALLENGES)
def test_frontal_second_photo_fails_liveness(court_setup, challenge):
    result = check_with(court_setup, "obama_2", "obama_3", challenge)
    assert result.outcome == "liveness_failed" and result.reason == "not_done" and result.photo == "challenge"
    assert result.liveness_checked and "yaw" in result.detail["challenge"]
    assert court_setup["row"].face_verified_until is None


def test_second_photo_of_another_person_fails_liveness(court_setup):
    result = check_with(court_setup, "obama_2", "biden_1", "turn_left")
    assert result.outcome == "liveness_failed" and result.reason == "other_person"


def test_clearly_turned_head_passes_either_direction(db, make_user, make_court, make_case, monkeypatch):
    # harington_2 is a real 3/4 view (yaw -0.57); the engine's bar is 0.65, so lower it to that photo.
    monkeypatch.setattr(faces, "YAW_TURN_THRESHOLD", 0.5)
    person = make_user("litigant")
    identity.enroll_reference(person, photo("harington_1"), "court_enrolment", None)
    row, _raw = start_session(person, "link")
    for challenge in ("turn_left", "turn_right"):
        row.face_verified_until = None
        chk = identity.start_check(person, row)
        chk.challenge = challenge
        result = identity.verify_selfie(person, row, photo("harington_1"), photo("harington_2"), check_id=chk.id)
        assert result.outcome == "match", result.reason
        assert row.face_verified_until is not None


def test_unusable_selfie_is_recorded_with_its_reason(court_setup, no_liveness):
    result = check_with(court_setup, "group_two_faces")
    assert (result.outcome, result.reason, result.photo) == ("unusable", "two_faces", "selfie")
    assert identity.failure_count(court_setup["person"]) == 0  # a bad photo is not a failed match


def test_expired_challenge_is_refused(court_setup, no_liveness):
    chk = identity.start_check(court_setup["person"], court_setup["row"])
    chk.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(identity.ChallengeExpired):
        identity.verify_selfie(court_setup["person"], court_setup["row"], photo("obama_2"), check_id=chk.id)
    assert identity.start_check(court_setup["person"], court_setup["row"]).id != chk.id


def test_a_challenge_is_answered_only_once(court_setup, no_liveness):
    first = check_with(court_setup, "biden_1")
    with pytest.raises(identity.ChallengeExpired):
        identity.verify_selfie(court_setup["person"], court_setup["row"], photo("obama_2"), check_id=first.id)


def test_reload_keeps_the_same_challenge(court_setup):
    a = identity.start_check(court_setup["person"], court_setup["row"])
    b = identity.start_check(court_setup["person"], court_setup["row"])
    assert a.id == b.id and a.challenge in faces.CHALLENGES and a.expires_at > utcnow()


def _old_failures(s, n):
    for _ in range(n):
        identity.db.session.add(FaceCheck(user_id=s["person"].id, session_id=s["row"].id, outcome="no_match",
                                          finished_at=utcnow() - timedelta(hours=1)))


def test_five_failures_start_a_growing_delay_and_a_review(court_setup, no_liveness):
    s = court_setup
    _old_failures(s, 4)
    assert identity.failure_wait(s["person"]) is None
    assert check_with(s, "biden_1").outcome == "no_match"  # the fifth
    wait = identity.failure_wait(s["person"])
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    with pytest.raises(identity.TooManyFailures) as info:
        identity.start_check(s["person"], s["row"])
    assert info.value.params == {"minutes": 1}
    assert [r.reason for r in identity.reviews_for(s["clerk"])] == ["failures"]
    # After the wait, one more failure doubles it.
    for c in identity.db.session.scalars(select(FaceCheck).where(FaceCheck.outcome == "no_match")):
        c.finished_at = utcnow() - timedelta(minutes=2)
    assert check_with(s, "leslie_1").outcome == "no_match"
    assert timedelta(seconds=110) < identity.failure_wait(s["person"]) <= timedelta(seconds=120)
    assert len(identity.reviews_for(s["clerk"])) == 1  # one open entry, not one per failure


def test_clerk_verification_records_who_and_why_and_resets_failures(court_setup, no_liveness):
    s = court_setup
    _old_failures(s, 4)
    check_with(s, "biden_1")
    review = identity.reviews_for(s["clerk"])[0]
    result = identity.clerk_verify(s["person"], s["clerk"], "Seen at the counter with ID card", review=review)
    assert (result.outcome, result.verified_by_id, result.note) == ("clerk_verified", s["clerk"].id,
                                                                    "Seen at the counter with ID card")
    assert s["row"].face_verified_until > utcnow()
    assert review.status == "resolved" and review.resolved_by_id == s["clerk"].id
    assert identity.failure_count(s["person"]) == 0 and identity.failure_wait(s["person"]) is None


def test_clerk_must_give_a_reason(court_setup):
    with pytest.raises(identity.DomainError):
        identity.clerk_verify(court_setup["person"], court_setup["clerk"], "  ")


def test_clerk_of_another_court_cannot_act(court_setup, make_user):
    stranger = make_user("clerk")
    with pytest.raises(NotAllowed):
        identity.clerk_verify(court_setup["person"], stranger, "because")
    with pytest.raises(NotAllowed):
        identity.enroll_reference(court_setup["person"], photo("obama_2"), "clerk_upload", stranger)
    assert identity.reviews_for(stranger) == []


def test_self_upload_waits_for_approval_then_replaces_the_old_reference(court_setup, app):
    s = court_setup
    old = identity.active_reference(s["person"])
    ref = identity.enroll_reference(s["person"], photo("obama_3"), "self_upload", s["person"],
                                    id_card=photo("obama_2"))
    assert ref.status == "pending_approval" and ref.image_id and ref.id_card_image_id
    assert ref.id_card_distance < 0.45
    assert identity.active_reference(s["person"]).id == old.id
    review = identity.reviews_for(s["clerk"])[0]
    assert review.reason == "pending_approval" and review.reference_id == ref.id
    identity.approve_reference(ref, s["clerk"])
    assert ref.status == "active" and ref.approved_by_id == s["clerk"].id
    assert old.status == "revoked" and review.status == "resolved"
    days = app.config["FACE_RETENTION_DAYS"]
    assert timedelta(days=days - 1) < ref.purge_after - utcnow() <= timedelta(days=days)


def test_self_upload_needs_the_id_card_photo(court_setup):
    with pytest.raises(identity.PhotoUnusable) as info:
        identity.enroll_reference(court_setup["person"], photo("obama_3"), "self_upload", court_setup["person"])
    assert (info.value.code, info.value.photo) == ("missing", "id_card")


def test_nobody_else_can_self_upload_for_a_person(court_setup, make_user):
    with pytest.raises(NotAllowed):
        identity.enroll_reference(court_setup["person"], photo("obama_3"), "self_upload", make_user("litigant"),
                                  id_card=photo("obama_2"))


def test_rejecting_a_reference_needs_a_reason_and_deletes_its_photos(court_setup):
    s = court_setup
    ref = identity.enroll_reference(s["person"], photo("leslie_1"), "self_upload", s["person"],
                                    id_card=photo("leslie_2"))
    with pytest.raises(identity.DomainError):
        identity.reject_reference(ref, s["clerk"], "")
    identity.reject_reference(ref, s["clerk"], "Not the person on the ID card")
    assert ref.status == "rejected"
    paths = [storage.path_of(ref.image), storage.path_of(ref.id_card_image)]
    assert identity.purge_expired_reference_images() == 2
    assert not any(p.exists() for p in paths) and ref.image_id is None


def test_photos_are_kept_until_retention_then_purged_once(court_setup, db):
    s = court_setup
    ref = identity.enroll_reference(s["person"], photo("obama_2"), "clerk_upload", s["clerk"])
    assert ref.status == "active" and ref.image_id
    path, stored_id = storage.path_of(ref.image), ref.image_id
    replaced = db.session.scalar(select(FaceReference).where(FaceReference.status == "revoked"))
    assert replaced.image_id  # the previous reference's photo is no longer needed: purged at once
    assert identity.purge_expired_reference_images() == 1 and path.exists() and replaced.image_id is None
    ref.purge_after = utcnow() - timedelta(minutes=1)
    assert identity.purge_expired_reference_images() == 1
    assert not path.exists() and ref.image_id is None and ref.encoding  # the encoding stays
    assert identity.purge_expired_reference_images() == 0
    assert db.session.get(StoredFile, stored_id) is None


def test_retention_zero_keeps_no_photo(court_setup, app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_RETENTION_DAYS", 0)
    ref = identity.enroll_reference(court_setup["person"], photo("obama_2"), "clerk_upload", court_setup["clerk"])
    assert ref.image_id is None and ref.status == "active"


def test_demo_faces_are_enrolled_once(db, make_user, tmp_path):
    a = make_user("litigant", phone="13800000001")
    make_user("litigant", phone="13800000002")
    mapping = {"13800000001": "obama", "13800000002": "nobody", "13800000099": "biden"}
    assert enroll_demo_faces(str(FACES_DIR), mapping) == 1
    assert enroll_demo_faces(str(FACES_DIR), mapping) == 0
    refs = db.session.scalars(select(FaceReference).where(FaceReference.user_id == a.id)).all()
    assert [(r.status, r.source, r.image_id) for r in refs] == [("active", "court_enrolment", None)]


def test_staff_have_no_reference(make_user):
    with pytest.raises(NotAllowed):
        identity.enroll_reference(make_user("clerk"), photo("obama_1"), "court_enrolment", None)


def test_no_reference_means_no_challenge(db, make_user):
    person = make_user("litigant")
    row, _raw = start_session(person, "link")
    with pytest.raises(identity.NoReference):
        identity.start_check(person, row)
    assert db.session.scalar(select(ClerkReview)) is None
