"""Identity verification by face check (人脸识别身份认证): reference faces, challenges, checks,
the growing delay after failures, and the clerks' review queue.

The face engine (decoding, encoding, comparison, landmarks) is app/services/faces.py; this module
holds the court's rules around it. Selfies are never stored: a check keeps only its numbers.
"""
import logging
import math
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import false, func, or_, select

from app.extensions import db
from app.models import Case, CaseParty, ClerkReview, FaceCheck, FaceReference, User, utcnow
from app.services import faces, id_numbers, storage
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.identity_provider import configured_provider

audit = logging.getLogger("microcourt.audit")

FAILED = ("no_match", "borderline", "liveness_failed")
PASSED = ("match", "clerk_verified")

# UnusableImage codes -> what the person should do, in words a litigant understands.
REASON_MESSAGES = {
    "no_face": N_("No face was found in the photo. Face the camera in good light and try again."),
    "two_faces": N_("More than one face is in the photo. Only you should be in the picture."),
    "face_too_small": N_("Your face is too small in the photo. Hold the phone closer."),
    "too_dark": N_("The photo is too dark. Move to a brighter place and try again."),
    "blurred": N_("The photo is blurred. Hold the phone still and try again."),
    "not_an_image": N_("This file is not a photo we can read. Use a JPG or PNG photo."),
    "truncated": N_("The photo file is incomplete or damaged. Take the photo again."),
    "too_large_pixels": N_("The image has far too many pixels. Use a normal photo from a phone camera."),
    "too_large_bytes": N_("The photo file is too large. The limit is %(mb)s MB."),
    "missing": N_("Take both photos."),
}
# The same codes for the photo of the ID card.
CARD_MESSAGES = {
    "no_face": N_("No ID card portrait was found. Photograph the front of the card (the side with your photo), "
                  "flat, filling most of the picture, without glare on the portrait."),
    "two_faces": N_("More than one face is in the picture. Photograph only the card, lying on a table."),
    "face_too_small": N_("The card is too far away. Hold the phone closer so the card fills most of the picture."),
    "too_dark": N_("The photo of the card is too dark. Move to a brighter place."),
}


class PhotoUnusable(DomainError):
    """A photo that cannot be used; `code` is a faces.UnusableImage code, `photo` names which one."""
    status = 422

    def __init__(self, code, photo="selfie"):
        messages = {**REASON_MESSAGES, **CARD_MESSAGES} if photo == "id_card" else REASON_MESSAGES
        super().__init__(messages.get(code, REASON_MESSAGES["not_an_image"]),
                         mb=current_app.config["FACE_MAX_UPLOAD_MB"])
        self.code, self.photo = code, photo


class NoReference(DomainError):
    status = 409
    message = N_("There is no approved reference photo of you yet.")


class ChallengeExpired(DomainError):
    status = 409
    message = N_("The instruction for the second photo has expired or was already used. "
                 "Here is a new one: take both photos again.")


class TooManyFailures(DomainError):
    status = 429
    message = N_("Too many face checks did not succeed. Try again in %(minutes)s minutes, "
                 "or ask the court clerk to verify you.")


def _cfg(name):
    return current_app.config[name]


# --- who may act for whom -------------------------------------------------------------------

def named_parties(user, court_id=None):
    """The parties this person is, or is invited to be: linked to their account, or not yet
    linked but carrying their mobile number. Newest case first."""
    if user is None or user.is_staff:
        return []
    cond = CaseParty.user_id == user.id
    if user.phone:
        cond = or_(cond, (CaseParty.user_id.is_(None)) & (CaseParty.phone == user.phone))
    q = select(CaseParty).join(Case).where(cond, Case.state != "draft").order_by(Case.id.desc())
    if court_id is not None:
        q = q.where(Case.court_id == court_id)
    return db.session.scalars(q).all()


def person_cases(user, court_id):
    """(case, role) of each case of `court_id` this person files, is a party in, represents, or
    is invited to: what a clerk needs to see beside a stranger's photo. `role` is a party role,
    "lawyer" or "filer"."""
    rows = {}
    for case in db.session.scalars(select(Case).where(Case.court_id == court_id, Case.filed_by_id == user.id)):
        rows[case.id] = (case, "filer")
    invited = (CaseParty.user_id.is_(None)) & (CaseParty.phone == user.phone) if user.phone else false()
    for party in db.session.scalars(select(CaseParty).join(Case).where(
            Case.court_id == court_id, or_(CaseParty.user_id == user.id, CaseParty.lawyer_id == user.id, invited))
            .order_by(CaseParty.id)):
        rows[party.case_id] = (party.case, "lawyer" if party.lawyer_id == user.id else party.role)
    return list(rows.values())


def can_manage_identity(staff, user):
    """Court staff act on the identity of people in their own court's cases only."""
    if staff is None or not staff.is_staff or staff.court is None or user is None or user.is_staff:
        return False
    return staff.court.is_staff(staff) and staff.court.has_person(user.id)


# --- references -----------------------------------------------------------------------------

def active_reference(user):
    return db.session.scalar(select(FaceReference).where(
        FaceReference.user_id == user.id, FaceReference.status == "active").order_by(FaceReference.id.desc()).limit(1))


def pending_reference(user):
    return db.session.scalar(select(FaceReference).where(
        FaceReference.user_id == user.id, FaceReference.status == "pending_approval")
        .order_by(FaceReference.id.desc()).limit(1))


def _analyse(data, photo):
    if not data:
        raise PhotoUnusable("missing", photo)
    try:
        return faces.analyse(data)
    except faces.UnusableImage as exc:
        raise PhotoUnusable(exc.code, photo) from None


def _keep(data, name, actor):
    ctype = storage.sniff(data[:64], complete=len(data) <= 64) or "application/octet-stream"
    return storage.save_bytes(data, name=name, content_type=ctype, actor=actor)


def _retire(ref, status):
    ref.status = status
    if ref.image_id or ref.id_card_image_id:
        ref.purge_after = utcnow()  # the purge job deletes the photos


def _resolve(review, actor, resolution, note=None):
    review.status, review.resolution, review.note = "resolved", resolution, note
    review.resolved_by_id = actor.id if actor is not None else None
    review.resolved_at = utcnow()


def _activate(ref, actor):
    for old in db.session.scalars(select(FaceReference).where(
            FaceReference.user_id == ref.user_id, FaceReference.status == "active", FaceReference.id != ref.id)):
        _retire(old, "revoked")
    ref.status = "active"
    ref.approved_by_id = actor.id if actor is not None else None
    ref.approved_at = utcnow()
    if ref.image_id or ref.id_card_image_id:
        ref.purge_after = utcnow() + timedelta(days=_cfg("FACE_RETENTION_DAYS"))


def enroll_reference(user, data, source, actor, *, id_card=None, note=None):
    """Store the face `user` will be checked against.

    A litigant's own upload (source self_upload, with a photo of the ID card) waits for a clerk's
    approval; a clerk's upload (id_card, court_enrolment, clerk_upload) is active at once and
    replaces the previous reference. `actor` None is the system (demo seed).
    """
    if source not in ("id_card", "court_enrolment", "clerk_upload", "self_upload"):
        raise ValueError(f"unknown reference source {source!r}")
    if user.is_staff:
        raise NotAllowed(N_("Court staff are not face-checked."))
    if source == "self_upload":
        if actor is None or actor.id != user.id:
            raise NotAllowed()
        if not id_card:
            raise PhotoUnusable("missing", "id_card")
    elif actor is not None and not can_manage_identity(actor, user):
        raise NotAllowed()
    sample = _analyse(data, "selfie")
    ref = FaceReference(user_id=user.id, encoding=faces.encoding_to_bytes(sample.encoding), model=faces.MODEL_NAME,
                        source=source, status="pending_approval", note=note,
                        created_by_id=actor.id if actor is not None else None)
    db.session.add(ref)
    if source == "self_upload":
        try:
            card = faces.analyse(id_card)
            ref.id_card_distance = faces.compare(sample.encoding, card.encoding).distance
        except faces.UnusableImage as exc:
            if exc.code in ("not_an_image", "truncated", "too_large_pixels", "too_large_bytes"):
                raise PhotoUnusable(exc.code, "id_card") from None
            ref.id_card_reason = exc.code  # a card photo with a tiny face is normal: the clerk looks
        # The clerk needs both photos to decide; they are deleted after the decision + retention.
        ref.image = _keep(data, "reference-photo", actor)
        ref.id_card_image = _keep(id_card, "id-card-photo", actor)
        for old in db.session.scalars(select(FaceReference).where(
                FaceReference.user_id == user.id, FaceReference.status == "pending_approval",
                FaceReference.id != ref.id)):
            _retire(old, "revoked")
            for review in _open_reviews(user, reference_id=old.id):
                _resolve(review, actor, "superseded")
        db.session.flush()
        db.session.add(ClerkReview(user_id=user.id, reason="pending_approval", reference_id=ref.id))
    else:
        if actor is not None and _cfg("FACE_RETENTION_DAYS") > 0:
            ref.image = _keep(data, "reference-photo", actor)
        db.session.flush()
        _activate(ref, actor)
    db.session.flush()
    audit.info("face reference user=%s source=%s status=%s by=%s", user.id, source, ref.status,
               actor.id if actor is not None else "system")
    return ref


def approve_reference(reference, clerk, note=None):
    if not can_manage_identity(clerk, reference.user):
        raise NotAllowed()
    if reference.status != "pending_approval":
        raise InvalidState()
    _activate(reference, clerk)
    reference.note = note or reference.note
    for review in _open_reviews(reference.user, reference_id=reference.id):
        _resolve(review, clerk, "approved", note)
    db.session.flush()
    _tell(reference.user, N_("[MicroCourt] The court approved your photo. Open the court's SMS link again, or sign "
                             "in, to continue where you were."))
    audit.info("face reference approved ref=%s user=%s by=%s", reference.id, reference.user_id, clerk.id)
    return reference


def reject_reference(reference, clerk, note):
    if not can_manage_identity(clerk, reference.user):
        raise NotAllowed()
    if reference.status != "pending_approval":
        raise InvalidState()
    if not (note or "").strip():
        raise DomainError(N_("Write the reason."))
    _retire(reference, "rejected")
    reference.note = note.strip()
    for review in _open_reviews(reference.user, reference_id=reference.id):
        _resolve(review, clerk, "rejected", note.strip())
    db.session.flush()
    _tell(reference.user, N_("[MicroCourt] The court could not approve your photo: %(reason)s. Sign in to send "
                             "another one or to use your ID card."), reason=note.strip()[:200])
    audit.info("face reference rejected ref=%s user=%s by=%s", reference.id, reference.user_id, clerk.id)
    return reference


def _tell(user, message, **params):
    """The person is told the clerk's decision by SMS (in Chinese, like every court SMS)."""
    from flask_babel import force_locale, gettext
    from app.services.notifications import send_sms
    if not user.phone:
        return None
    with force_locale("zh"):
        body = gettext(message, **params)
    return send_sms(user.phone, body, kind="identity_decision", user=user)


# --- checks ---------------------------------------------------------------------------------

def failure_count(user):
    """Failed checks since the last pass (a match or a clerk's verification)."""
    last_ok = select(func.coalesce(func.max(FaceCheck.id), 0)).where(
        FaceCheck.user_id == user.id, FaceCheck.outcome.in_(PASSED)).scalar_subquery()
    return db.session.scalar(select(func.count()).select_from(FaceCheck).where(
        FaceCheck.user_id == user.id, FaceCheck.outcome.in_(FAILED), FaceCheck.id > last_ok))


def failure_wait(user, now=None):
    """How long the person must wait before the next check (None: no wait).

    After FACE_FAILURES_BEFORE_DELAY failures the wait starts at FACE_DELAY_BASE_SECONDS and doubles
    with each further failure, up to FACE_DELAY_MAX_SECONDS. Kept in the database, so it holds
    across processes and browsers.
    """
    n = failure_count(user)
    first = _cfg("FACE_FAILURES_BEFORE_DELAY")
    if n < first:
        return None
    last = db.session.scalar(select(func.max(FaceCheck.finished_at)).where(
        FaceCheck.user_id == user.id, FaceCheck.outcome.in_(FAILED)))
    wait = min(_cfg("FACE_DELAY_BASE_SECONDS") * 2 ** (n - first), _cfg("FACE_DELAY_MAX_SECONDS"))
    left = last + timedelta(seconds=wait) - (now or utcnow())
    return left if left.total_seconds() > 0 else None


def clerk_vouched(user, now=None):
    """The clerk's manual verification of this person that still holds (FACE_CLERK_VERIFIED_HOURS),
    or None. It holds for the person, in every session, not only the one whose check failed."""
    if user is None or not getattr(user, "id", None):
        return None
    since = (now or utcnow()) - timedelta(hours=_cfg("FACE_CLERK_VERIFIED_HOURS"))
    return db.session.scalar(select(FaceCheck).where(
        FaceCheck.user_id == user.id, FaceCheck.outcome == "clerk_verified", FaceCheck.finished_at > since)
        .order_by(FaceCheck.id.desc()).limit(1))


def _raise_if_waiting(user):
    wait = failure_wait(user)
    if wait is not None:
        raise TooManyFailures(minutes=max(1, math.ceil(wait.total_seconds() / 60)))


def start_check(user, session_row, ip=None):
    """The open challenge for this session, or a new random one from faces.CHALLENGES."""
    if active_reference(user) is None:
        raise NoReference()
    _raise_if_waiting(user)
    now = utcnow()
    check = db.session.scalar(select(FaceCheck).where(
        FaceCheck.user_id == user.id, FaceCheck.session_id == session_row.id, FaceCheck.outcome.is_(None),
        FaceCheck.expires_at > now).order_by(FaceCheck.id.desc()).limit(1))
    if check is None:  # a reload keeps the same instruction; a new one only when it is used or expired
        check = FaceCheck(user_id=user.id, session_id=session_row.id, challenge=secrets.choice(faces.ASKED_CHALLENGES),
                          started_at=now, expires_at=now + timedelta(seconds=_cfg("FACE_CHALLENGE_SECONDS")), ip=ip)
        db.session.add(check)
        db.session.flush()
    return check


def _challenge_done(challenge, sample, frontal=None):
    if challenge in ("turn_left", "turn_right"):
        # Phones differ in whether front-camera photos are saved mirrored, so the direction of a
        # turn cannot be trusted; a clearly turned head, compared with the frontal selfie, is what
        # a replayed frontal photo lacks (calibrated on the real pose_* photos: faces.turned_enough).
        if frontal is not None:
            return faces.turned_enough(frontal, sample)
        return faces.check_challenge("turn_left", sample) or faces.check_challenge("turn_right", sample)
    return faces.check_challenge(challenge, sample)


def _open_reviews(user, reason=None, reference_id=None):
    q = select(ClerkReview).where(ClerkReview.user_id == user.id, ClerkReview.status == "open")
    if reason:
        q = q.where(ClerkReview.reason == reason)
    if reference_id:
        q = q.where(ClerkReview.reference_id == reference_id)
    return db.session.scalars(q).all()


def verify_selfie(user, session_row, selfie_bytes, challenge_bytes=None, *, check_id=None, ip=None):
    """Answer the open challenge of `session_row` with a selfie and the challenge photo.

    Returns the finished FaceCheck; its `outcome` is match (the session is verified for
    FACE_VERIFIED_MINUTES), no_match, borderline (a clerk reviews), liveness_failed or unusable
    (`reason` and `photo` say what was wrong with which photo). Raises ChallengeExpired,
    TooManyFailures or NoReference before looking at the photos.
    """
    now = utcnow()
    # One person's checks run one at a time (a row lock on the person), so checks sent at once
    # from several tabs or phones each see the failures before them and the wait cannot be raced.
    from app.services.locking import lock
    lock(user)
    q = select(FaceCheck).where(FaceCheck.user_id == user.id, FaceCheck.session_id == session_row.id)
    q = q.where(FaceCheck.id == check_id) if check_id else q.order_by(FaceCheck.id.desc()).limit(1)
    check = db.session.scalar(q.with_for_update())  # one answer per challenge, even with two tabs
    if check is None or check.outcome is not None or check.expires_at is None or check.expires_at <= now:
        raise ChallengeExpired()
    _raise_if_waiting(user)
    reference = active_reference(user)
    if reference is None:
        raise NoReference()
    cfg = current_app.config
    liveness = cfg["FACE_LIVENESS_REQUIRED"]
    check.reference_id, check.ip, check.model = reference.id, ip or check.ip, reference.model
    check.threshold, check.band, check.liveness_checked = cfg["FACE_THRESHOLD"], cfg["FACE_BORDERLINE_BAND"], liveness
    try:
        sample = _analyse(selfie_bytes, "selfie")
        second = _analyse(challenge_bytes, "challenge") if liveness else None
    except PhotoUnusable as exc:
        return _finish(check, user, "unusable", reason=exc.code, photo=exc.photo)
    result = faces.compare(reference.encoding, sample.encoding, check.threshold, check.band)
    check.distance, check.model = result.distance, result.model
    detail = {"selfie": sample.quality}
    if result.outcome == "no_match":
        return _finish(check, user, "no_match", detail=detail)
    if liveness:
        # The second photo must show the same person, doing what was asked.
        far = faces.compare(reference.encoding, second.encoding, cfg["FACE_CHALLENGE_MAX_DISTANCE"], 0)
        detail["challenge"] = {**second.quality, "distance": round(far.distance, 4)}
        if far.distance > cfg["FACE_CHALLENGE_MAX_DISTANCE"]:
            return _finish(check, user, "liveness_failed", reason="other_person", photo="challenge", detail=detail)
        if not _challenge_done(check.challenge, second, sample):
            return _finish(check, user, "liveness_failed", reason="not_done", photo="challenge", detail=detail)
    if result.outcome == "borderline":
        return _finish(check, user, "borderline", detail=detail)
    session_row.verify_face_for(cfg["FACE_VERIFIED_MINUTES"])
    return _finish(check, user, "match", detail=detail)


def _finish(check, user, outcome, reason=None, photo=None, detail=None):
    check.outcome, check.reason, check.photo = outcome, reason, photo
    check.detail = detail or {}
    check.finished_at = utcnow()
    db.session.flush()
    if outcome == "borderline":
        db.session.add(ClerkReview(user_id=user.id, reason="borderline", check_id=check.id))
    elif outcome in FAILED and failure_count(user) >= _cfg("FACE_FAILURES_BEFORE_DELAY") \
            and not _open_reviews(user, "failures"):
        db.session.add(ClerkReview(user_id=user.id, reason="failures", check_id=check.id))
    db.session.flush()
    audit.info("face check user=%s check=%s outcome=%s reason=%s distance=%s", user.id, check.id, outcome,
               reason, None if check.distance is None else round(check.distance, 4))
    return check


# --- self-service enrolment from the resident ID card (居民身份证) ----------------------------

class IdNumberInvalid(DomainError):
    status = 422
    message = N_("This ID number is not valid. Check the 18 characters on your card (the last one may be X).")


# Not an exception: a name or number that differs from the case is a counted, refused try.
ID_MISMATCH_MESSAGE = N_("The name and ID number do not match what the court was given for you in this case. "
                         "Check them against your card; if the court's details are wrong, ask the court clerk.")


class AlreadyEnrolled(DomainError):
    status = 409
    message = N_("You already have a reference photo. Use the face check.")


def card_enrolment_parties(user):
    """The parties this person may enrol for from their ID card: named or invited, in a court
    that turned the ID card enrolment on (Court.id_card_enrolment), with an ID number given by the
    filer to compare with (without one, the clerk decides)."""
    return [p for p in named_parties(user) if p.case.court.id_card_enrolment and p.id_number]


class CardOutcome:
    """What the ID card enrolment decided: `outcome` is enrolled, clerk (borderline, a clerk
    decides) or refused (`reason`: id_mismatch, no_match, liveness, provider). An unusable photo
    raises PhotoUnusable instead (not counted: the person takes it again)."""

    def __init__(self, outcome, reason=None, distance=None, reference=None, check=None):
        self.outcome, self.reason, self.distance = outcome, reason, distance
        self.reference, self.check = reference, check


def _card_check(user, session_row, outcome, reason, distance=None, detail=None, ip=None, reference=None):
    now = utcnow()
    check = FaceCheck(user_id=user.id, session_id=session_row.id if session_row is not None else None,
                      reference_id=reference.id if reference is not None else None, started_at=now,
                      finished_at=now, distance=distance, threshold=_cfg("FACE_CARD_THRESHOLD"),
                      band=_cfg("FACE_CARD_BORDERLINE_BAND"), model=faces.MODEL_NAME, liveness_checked=True,
                      outcome=outcome, reason=reason, photo="id_card", detail={"kind": "id_card", **(detail or {})},
                      ip=ip)
    db.session.add(check)
    db.session.flush()
    if outcome in FAILED and failure_count(user) >= _cfg("FACE_FAILURES_BEFORE_DELAY") \
            and not _open_reviews(user, "failures"):
        db.session.add(ClerkReview(user_id=user.id, reason="failures", check_id=check.id))
        db.session.flush()
    return check


def enrol_from_id_card(user, party, *, name, id_number, card, selfie, challenge, session_row=None, ip=None):
    """Enrol `user`'s reference face from a photo of their ID card and a live selfie.

    Checks, in order: the party is theirs (named or invited) in a court that allows this; no wait
    after repeated failures; the ID number passes the GB 11643 check digit (a typo, not counted);
    name and number are the ones the filer gave for this party (counted as a failed try); the card
    photo shows exactly one printed portrait; the selfie and the turned-head photo show one live
    person (faces.turned_enough); the configured identity provider, if any, agrees; the card
    portrait against the selfie (FACE_CARD_THRESHOLD, FACE_CARD_BORDERLINE_BAND).

    A clear match activates the reference (source id_card, the distance kept) and counts as a
    passed face check for `session_row`; a borderline distance, or a provider that cannot be
    reached, leaves it pending for the clerk with the case; a mismatch is refused and counted.
    The card photo is never stored: only the face crops (card portrait and selfie) and the
    selfie's encoding, the crops deleted after the retention time.
    """
    if party not in card_enrolment_parties(user):
        raise NotAllowed()
    # One enrolment at a time per person (a double tap on 3G): lock, then re-read.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if active_reference(user) is not None:
        raise AlreadyEnrolled()
    _raise_if_waiting(user)
    number = id_numbers.normalise_id_number(id_number)
    if not id_numbers.is_valid(number):
        raise IdNumberInvalid()
    given = (id_numbers.normalise_id_number(party.id_number or ""), (party.name or "").strip())
    if (number, (name or "").strip()) != given:
        check = _card_check(user, session_row, "no_match", "id_mismatch", ip=ip)
        audit.info("id card enrolment refused user=%s party=%s reason=id_mismatch", user.id, party.id)
        return CardOutcome("refused", "id_mismatch", check=check)
    if not card:
        raise PhotoUnusable("missing", "id_card")
    try:  # the card photo goes no further than this call: it is never stored
        portrait = faces.analyse_card(card)
    except faces.UnusableImage as exc:
        raise PhotoUnusable(exc.code, "id_card") from None
    face = _analyse(selfie, "selfie")
    turned = _analyse(challenge, "challenge")
    cfg = current_app.config
    same = faces.compare(face.encoding, turned.encoding, cfg["FACE_CHALLENGE_MAX_DISTANCE"], 0)
    detail = {"selfie": face.quality, "challenge": {**turned.quality, "distance": round(same.distance, 4)},
              "card": portrait.quality}
    if same.distance > cfg["FACE_CHALLENGE_MAX_DISTANCE"] or not faces.turned_enough(face, turned):
        check = _card_check(user, session_row, "liveness_failed", "not_done", detail=detail, ip=ip)
        return CardOutcome("refused", "liveness", check=check)
    result = faces.compare(portrait.encoding, face.encoding, cfg["FACE_CARD_THRESHOLD"],
                           cfg["FACE_CARD_BORDERLINE_BAND"])
    outcome = result.outcome
    verdict = configured_provider().verify(party.name, number, selfie)
    if verdict is not None:
        detail["provider"] = {"name": verdict.provider, "outcome": verdict.outcome, "score": verdict.score,
                              "reference": verdict.reference}
        if verdict.outcome in ("no_match", "unknown_person"):
            outcome = "no_match"
        elif verdict.outcome == "unavailable" and outcome == "match":
            outcome = "borderline"  # without the provider's word a clerk decides
    if outcome == "no_match":
        check = _card_check(user, session_row, "no_match", "card_no_match", result.distance, detail, ip)
        audit.info("id card enrolment refused user=%s distance=%.4f", user.id, result.distance)
        return CardOutcome("refused", "provider" if result.outcome != "no_match" else "no_match",
                           result.distance, check=check)
    if user.id_number is None:
        user.id_number = number
    ref = FaceReference(user_id=user.id, encoding=faces.encoding_to_bytes(face.encoding), model=faces.MODEL_NAME,
                        source="id_card", status="pending_approval", id_card_distance=result.distance,
                        note=f"ID card self-enrolment, case {party.case.number}", created_by_id=user.id)
    ref.image = _keep(faces.face_crop_jpeg(_selfie_rgb(selfie), face.box), "selfie-face", user)
    ref.id_card_image = _keep(portrait.crop_jpeg, "id-card-portrait", user)
    db.session.add(ref)
    for old in db.session.scalars(select(FaceReference).where(
            FaceReference.user_id == user.id, FaceReference.status == "pending_approval")):
        if old is not ref:
            _retire(old, "revoked")
            for review in _open_reviews(user, reference_id=old.id):
                _resolve(review, user, "superseded")
    db.session.flush()
    if outcome == "borderline":
        db.session.add(ClerkReview(user_id=user.id, case_id=party.case_id, reason="pending_approval",
                                   reference_id=ref.id))
        db.session.flush()
        audit.info("id card enrolment to clerk user=%s distance=%.4f", user.id, result.distance)
        return CardOutcome("clerk", distance=result.distance, reference=ref)
    _activate(ref, None)
    ref.approved_by_id = None  # approved by the card check itself: source id_card, id_card_distance
    check = _card_check(user, session_row, "match", None, result.distance, detail, ip, reference=ref)
    if session_row is not None:
        session_row.verify_face_for(cfg["FACE_VERIFIED_MINUTES"])
    audit.info("id card enrolment user=%s distance=%.4f", user.id, result.distance)
    return CardOutcome("enrolled", distance=result.distance, reference=ref, check=check)


def _selfie_rgb(data):
    return faces.decode_photo(data)


# --- clerks ---------------------------------------------------------------------------------

def reviews_for(staff):
    """Open "review needed" entries about people in the staff member's court's cases."""
    if not staff.is_staff or not staff.court_id:
        return []
    people = staff.court.people().subquery()
    return db.session.scalars(select(ClerkReview).where(
        ClerkReview.status == "open",
        or_(ClerkReview.user_id.in_(select(people.c[0])),
            ClerkReview.case_id.in_(select(Case.id).where(Case.court_id == staff.court_id))))
        .order_by(ClerkReview.created_at)).all()


def clerk_verify(user, clerk, reason, session_row=None, review=None):
    """A clerk vouches for the person (seen at the counter, called back...), saying why.

    Recorded as a FaceCheck with outcome clerk_verified (so the failure count restarts). The
    session of the reviewed check, or `session_row`, is verified when it is still live.
    """
    if not can_manage_identity(clerk, user):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("Write the reason."))
    if session_row is None and review is not None and review.check is not None:
        session_row = review.check.session
    if session_row is not None and (session_row.user_id != user.id or not session_row.live):
        session_row = None
    now = utcnow()
    check = FaceCheck(user_id=user.id, session_id=session_row.id if session_row else None, started_at=now,
                      finished_at=now, outcome="clerk_verified", verified_by_id=clerk.id, note=reason)
    db.session.add(check)
    if session_row is not None:
        session_row.verify_face_for(_cfg("FACE_VERIFIED_MINUTES"))
    for r in _open_reviews(user):
        if r.reason in ("borderline", "failures"):
            _resolve(r, clerk, "verified", reason)
    db.session.flush()
    audit.info("face check clerk-verified user=%s by=%s session=%s", user.id, clerk.id,
               session_row.id if session_row else None)
    return check


def dismiss_review(review, clerk, note=None):
    if not can_manage_identity(clerk, review.user):
        raise NotAllowed()
    if review.status != "open":
        raise InvalidState()
    _resolve(review, clerk, "dismissed", (note or "").strip() or None)
    db.session.flush()
    return review


# --- housekeeping ---------------------------------------------------------------------

def purge_expired_reference_images(now=None):
    """Delete reference and ID card photos past the retention time (never those awaiting a clerk)."""
    now = now or utcnow()
    refs = db.session.scalars(select(FaceReference).where(
        or_(FaceReference.image_id.is_not(None), FaceReference.id_card_image_id.is_not(None)),
        FaceReference.purge_after <= now, FaceReference.status != "pending_approval")).all()
    doomed = []
    for ref in refs:
        for attr in ("image", "id_card_image"):
            stored = getattr(ref, attr)
            if stored is not None:
                setattr(ref, attr, None)
                doomed.append(stored)
    db.session.flush()
    for stored in doomed:
        storage.path_of(stored).unlink(missing_ok=True)  # safe to repeat if the commit fails
        db.session.delete(stored)
    db.session.flush()
    if doomed:
        audit.info("face reference photos purged count=%s", len(doomed))
    return len(doomed)
