"""Face check pages: the litigant's check and reference upload, the clerks' review queue and enrolment.

Plain forms and redirects: a phone with JavaScript off takes both photos with
`<input type=file accept=image/* capture=user>` and sends them in one POST.
"""
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from app.blueprints import load_or_404, refusals, send_stored
from app.blueprints.identity import gate
from app.blueprints.identity.forms import (PHOTO, CardEnrolForm, EnrolForm, FaceCheckForm, ReferenceForm,
                                           ResumeForm, ReviewForm)
from app.extensions import db, limiter
from app.forms import as_id
from app.htmx import render
from app.models import Case, ClerkReview, User, utcnow
from app.services import identity, storage
from app.services.auth import safe_target

bp = Blueprint("identity", __name__, url_prefix="/identity")
bp.before_app_request(gate.claim_resumed)

CHALLENGE_TEXT = {
    "turn_left": _l("Turn your head to your left, so that your face is seen from the side, and take the photo."),
    "turn_right": _l("Turn your head to your right, so that your face is seen from the side, and take the photo."),
    "close_eyes": _l("Close your eyes and take the photo (ask someone to press the button, or use the "
                     "camera's timer)."),
}
OUTCOME_MESSAGES = {
    "no_match": (_l("The photo does not match your reference photo. Try again, facing the camera in good light."),
                 "error"),
    "borderline": (_l("The system could not decide whether the photo matches. A court clerk will look at it; "
                      "you can also try again."), "info"),
    "not_done": (_l("The second photo does not show what the instruction asked. Try again with the new "
                    "instruction."), "error"),
    "other_person": (_l("The second photo does not show the same person as the first."), "error"),
}
CARD_REFUSALS = {
    "id_mismatch": identity.ID_MISMATCH_MESSAGE,
    "no_match": _l("The photo on the ID card does not match your selfie. Check that it is your own card, "
                   "photograph it without glare, and try again. This try counts towards the limit."),
    "liveness": _l("The second photo does not show your head clearly turned. Take it again: look to one side "
                   "so that one ear is hidden."),
    "provider": _l("The identity service could not confirm that this ID number belongs to the person in the "
                   "selfie. Check the number, or ask the court clerk."),
}
REVIEW_REASONS = {"borderline": _l("Borderline face check"), "failures": _l("Repeated failed face checks"),
                  "pending_approval": _l("Reference photo to approve")}
SOURCES = {"id_card": _l("Photo on the ID card"), "court_enrolment": _l("Taken at the court"),
           "clerk_upload": _l("Uploaded by the clerk"), "self_upload": _l("Uploaded by the person")}


def _user_key():
    return f"face-user:{current_user.id if current_user.is_authenticated else 'anon'}"


def _ip_key():
    return f"face-ip:{request.remote_addr}"


def _only_gets():
    return request.method != "POST"


def _limited(view):
    """Face checks cost CPU and are guesses at a face: limited per person and per address."""
    view = limiter.limit(lambda: current_app.config["LIMIT_FACE_PER_IP"], key_func=_ip_key,
                         exempt_when=_only_gets)(view)
    return limiter.limit(lambda: current_app.config["LIMIT_FACE_PER_USER"], key_func=_user_key,
                         exempt_when=_only_gets)(view)


def _read(file_storage, photo):
    """The upload's bytes, reading at most one byte over the per-photo limit."""
    if not file_storage:
        raise identity.PhotoUnusable("missing", photo)
    limit = current_app.config["FACE_MAX_UPLOAD_MB"] * 1024 * 1024
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise identity.PhotoUnusable("too_large_bytes", photo)
    return data


def _reason(code):
    return _(identity.REASON_MESSAGES.get(code, identity.REASON_MESSAGES["not_an_image"]),
             mb=current_app.config["FACE_MAX_UPLOAD_MB"])


def _staff_only():
    if not current_user.is_staff or not current_user.court_id:
        abort(404)


# --- the litigant's check -------------------------------------------------------------------

def _check_page(form, next_url, status=200):
    user, ctx = current_user, {"state": "ready", "message": None, "check": None}
    try:
        ctx["check"] = identity.start_check(user, user.session_row, request.remote_addr)
        db.session.commit()
        form.check_id.data = str(ctx["check"].id)
    except identity.NoReference:
        ctx["state"] = "pending" if identity.pending_reference(user) else "no_reference"
    except identity.TooManyFailures as exc:
        ctx["state"], ctx["message"] = "waiting", _(exc.message, **exc.params)
    form.next.data = next_url
    return render("identity/check.html", form=form, next_url=next_url, photo=PHOTO, challenges=CHALLENGE_TEXT,
                  liveness=current_app.config["FACE_LIVENESS_REQUIRED"], status=status,
                  held=gate.held_action(), card_parties=identity.card_enrolment_parties(user), **ctx)


@bp.route("/check", methods=["GET", "POST"])
@login_required
@_limited
def check():
    next_url = safe_target(request.values.get("next"))
    if not gate.needs_face_check(current_user):  # staff, a fresh check, or a clerk's verification holds
        return redirect(gate.after_check(next_url))
    form = FaceCheckForm()
    if request.method == "GET":
        return _check_page(form, next_url)
    liveness = current_app.config["FACE_LIVENESS_REQUIRED"]
    valid = form.validate_on_submit()
    if liveness and not form.challenge_photo.data:
        form.challenge_photo.errors = [*form.challenge_photo.errors, _("Take or choose a photo.")]
        valid = False
    if not valid:
        return _check_page(form, next_url, 400)
    fields = {"selfie": form.selfie, "challenge": form.challenge_photo}
    try:
        selfie = _read(form.selfie.data, "selfie")
        second = _read(form.challenge_photo.data, "challenge") if liveness else None
        result = identity.verify_selfie(current_user, current_user.session_row, selfie, second,
                                        check_id=as_id(form.check_id.data), ip=request.remote_addr)
    except identity.PhotoUnusable as exc:  # too large: the challenge stays open
        fields[exc.photo].errors.append(_(exc.message, **exc.params))
        return _check_page(form, next_url, 413)
    except (identity.ChallengeExpired, identity.TooManyFailures, identity.NoReference) as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return redirect(url_for(".check", next=next_url))
    db.session.commit()
    if result.outcome == "match":
        flash(_("Your identity is confirmed. You can continue."), "success")
        return redirect(gate.after_check(next_url))
    if result.outcome == "unusable":
        fields[result.photo].errors.append(_reason(result.reason))
        return _check_page(form, next_url, 422)
    message, category = OUTCOME_MESSAGES[result.reason or result.outcome]
    flash(str(message), category)
    return redirect(url_for(".check", next=next_url))


@bp.route("/reference", methods=["GET", "POST"])
@login_required
@_limited
def reference():
    """A litigant sends a photo of their face and of their ID card; a clerk approves it."""
    if current_user.is_staff:
        abort(404)
    form = ReferenceForm()
    next_url = safe_target(request.values.get("next"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                photo, card = _read(form.photo.data, "selfie"), _read(form.id_card.data, "id_card")
                identity.enroll_reference(current_user, photo, "self_upload", current_user, id_card=card)
            except identity.PhotoUnusable as exc:
                db.session.rollback()
                field = form.id_card if exc.photo == "id_card" else form.photo
                field.errors.append(_(exc.message, **exc.params))
                status = 413 if exc.code == "too_large_bytes" else 422
            else:
                db.session.commit()
                flash(_("Your photos were sent. A court clerk will compare them; after approval you can "
                        "verify your identity."), "success")
                return redirect(url_for(".reference", next=next_url))
    form.next.data = next_url
    return render("identity/reference.html", form=form, next_url=next_url, photo=PHOTO,
                  active=identity.active_reference(current_user), pending=identity.pending_reference(current_user),
                  sources=SOURCES, status=status)


@bp.route("/resume")
@login_required
def resume():
    """After a step-up: the interrupted form, with the person's input, one tap from being sent."""
    held = gate.held_action()
    if held is None:
        flash(_("There is nothing waiting to be sent; it may have been sent already or have expired."), "info")
        return redirect(safe_target(request.args.get("next")))
    if gate.needs_face_check(current_user) and held.reason == "face_check":
        return redirect(url_for(".check", next=held.back, why="held"))
    return render("identity/resume.html", held=held, key=session.get(gate.HELD_KEY), form=ResumeForm())


# --- self-service enrolment from the ID card --------------------------------------------------

@bp.route("/card", methods=["GET", "POST"])
@login_required
@_limited
def card():
    """First-time identity (首次实名认证) from the resident ID card and a live selfie."""
    if current_user.is_staff:
        abort(404)
    next_url = safe_target(request.values.get("next"))
    parties = identity.card_enrolment_parties(current_user)
    if not parties:
        abort(404)
    if identity.active_reference(current_user) is not None:
        return redirect(url_for(".check", next=next_url))
    form = CardEnrolForm()
    form.party.choices = [(p.id, f"{p.case.number} · {p.name}") for p in parties]
    if request.method == "GET":
        form.party.data = parties[0].id
        form.name.data = parties[0].name
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            party = next(p for p in parties if p.id == form.party.data)
            status = _card_attempt(form, party)
            if not isinstance(status, int):
                return status
    form.next.data = next_url
    return render("identity/card.html", form=form, next_url=next_url, photo=PHOTO, parties=parties,
                  challenge=CHALLENGE_TEXT["turn_left"], held=gate.held_action(),
                  wait=identity.failure_wait(current_user), status=status)


def _card_attempt(form, party):
    """One try; a response when it is over, else the status to show the form again with."""
    next_url = safe_target(form.next.data)
    fields = {"id_card": form.card_photo, "selfie": form.selfie, "challenge": form.challenge_photo}
    try:
        result = identity.enrol_from_id_card(
            current_user, party, name=form.name.data, id_number=form.id_number.data,
            card=_read(form.card_photo.data, "id_card"), selfie=_read(form.selfie.data, "selfie"),
            challenge=_read(form.challenge_photo.data, "challenge"), session_row=current_user.session_row,
            ip=request.remote_addr)
    except identity.PhotoUnusable as exc:
        db.session.rollback()
        fields[exc.photo].errors.append(_(exc.message, **exc.params))
        return 413 if exc.code == "too_large_bytes" else 422
    except identity.IdNumberInvalid as exc:
        db.session.rollback()
        form.id_number.errors.append(_(exc.message))
        return 422
    except (identity.TooManyFailures, identity.AlreadyEnrolled) as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return redirect(url_for(".check", next=next_url))
    db.session.commit()
    if result.outcome == "enrolled":
        flash(_("Your identity is confirmed from your ID card. You can continue."), "success")
        return redirect(gate.after_check(next_url))
    if result.outcome == "clerk":
        flash(_("Your photos were close but not close enough for the system to decide. A court clerk of %(court)s "
                "will compare them, usually within one working day, and you will get an SMS. Nothing else is "
                "needed from you.", court=party.case.court.name), "info")
        return redirect(url_for(".reference", next=next_url))
    form.errors_top = [_(CARD_REFUSALS[result.reason])]
    return 422


# --- clerks ---------------------------------------------------------------------------------

@bp.route("/reviews")
@login_required
def reviews():
    _staff_only()
    cases = db.session.scalars(select(Case).where(Case.court_id == current_user.court_id)
                               .order_by(Case.updated_at.desc()).limit(200)).all()
    court_id = current_user.court_id
    return render("identity/reviews.html", reviews=identity.reviews_for(current_user), form=ReviewForm(),
                  cases=cases, reasons=REVIEW_REASONS, sources=SOURCES, failures=identity.failure_count,
                  cases_of=lambda user: identity.person_cases(user, court_id), waited=_waited,
                  role_names={"filer": _("filer"), "lawyer": _("lawyer")},
                  vouch_hours=current_app.config["FACE_CLERK_VERIFIED_HOURS"])


def _waited(since):
    """"waiting 3 h 20 min" / "waiting 2 days": how long a person has waited for the clerk."""
    minutes = max(0, int((utcnow() - since).total_seconds() // 60))
    if minutes >= 48 * 60:
        return _("waiting %(n)s days", n=minutes // (24 * 60))
    if minutes >= 60:
        return _("waiting %(h)s h %(m)s min", h=minutes // 60, m=minutes % 60)
    return _("waiting %(m)s min", m=minutes)


@bp.route("/reviews/<int:review_id>", methods=["POST"])
@login_required
@refusals(lambda review_id: url_for("identity.reviews"))
def review_decide(review_id):
    _staff_only()
    review = load_or_404(ClerkReview, review_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision."), "error")
        return redirect(url_for(".reviews"))
    action, note = form.action.data, (form.note.data or "").strip()
    allowed = ("approve", "reject") if review.reason == "pending_approval" else ("verify", "dismiss")
    if review.status != "open" or action not in allowed:
        flash(_("This has changed in the meantime; reload the page."), "error")
        return redirect(url_for(".reviews"))
    if action == "approve":
        identity.approve_reference(review.reference, current_user, note or None)
    elif action == "reject":
        identity.reject_reference(review.reference, current_user, note)
    elif action == "verify":
        identity.clerk_verify(review.user, current_user, note, review=review)
    else:
        identity.dismiss_review(review, current_user, note)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".reviews"))


@bp.route("/reviews/<int:review_id>/photo/<which>")
@login_required
def review_photo(review_id, which):
    _staff_only()
    review = load_or_404(ClerkReview, review_id)
    ref = review.reference
    stored = None if ref is None else {"reference": ref.image, "id_card": ref.id_card_image}.get(which)
    if stored is None:
        abort(404)
    return send_stored(stored)


@bp.route("/enrol", methods=["GET", "POST"])
@login_required
def enrol():
    """A clerk enrols the reference photo of a person in one of the court's cases."""
    _staff_only()
    case = db.session.get(Case, request.values.get("case", type=as_id) or 0)
    if case is None or not case.can_review(current_user):
        abort(404)
    ids = {p.user_id for p in case.parties} | {p.lawyer_id for p in case.parties} | {case.filed_by_id}
    phones = {p.phone for p in case.parties if p.user_id is None and p.phone}  # invited, not joined yet
    people = [u for u in db.session.scalars(select(User).where(
        or_(User.id.in_(ids - {None}), User.phone.in_(phones))).order_by(User.id)) if not u.is_staff]
    form = EnrolForm()
    form.person.choices = [(u.id, f"{u.name} ({u.phone or ''})") for u in people]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            person = next(u for u in people if u.id == form.person.data)
            try:
                identity.enroll_reference(person, _read(form.photo.data, "selfie"), form.source.data, current_user)
            except identity.PhotoUnusable as exc:
                db.session.rollback()
                form.photo.errors.append(_(exc.message, **exc.params))
                status = 422
            else:
                db.session.commit()
                flash(_("The reference photo of %(name)s is active.", name=person.name), "success")
                return redirect(url_for(".enrol", case=case.id))
    form.case.data = str(case.id)
    refs = {u.id: identity.active_reference(u) for u in people}
    return render("identity/enrol.html", form=form, case=case, people=people, refs=refs, sources=SOURCES,
                  status=status)
