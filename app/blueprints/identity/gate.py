"""The step-up gate: parties and lawyers need a fresh face check for sensitive steps, and a step-up
(face check or sign-in) never loses what the person was doing.

Court staff are never face-checked. A person without a fresh check (or a clerk's verification that
still holds for them) is sent to the check page, with the page they came from kept in `next`. When
the interrupted request was a POST, its form is held server-side (app/services/step_up.py) and,
after the check, the person lands on /identity/resume: their input, intact, one tap from being
sent to the same step.
"""
from functools import wraps

from flask import redirect, request, session, url_for
from flask_login import current_user

from app.extensions import db
from app.services import identity, step_up
from app.services.auth import safe_target

HELD_KEY = "held_action"  # the raw key of the held action, in the cookie session


def needs_face_check(user):
    if not (user.is_authenticated and not user.is_staff) or user.face_verified:
        return False
    return identity.clerk_vouched(user) is None


def verification_method(user):
    """How the person's identity stands verified now, for the record: demo (a demo link), face (a
    fresh face check in this session) or clerk (a clerk's verification that holds for the person)."""
    if getattr(user.session_row, "method", "") == "demo_link":
        return "demo"
    return "face" if user.face_verified else "clerk"


def _hx(url):
    resp = redirect(url)
    if getattr(request, "htmx", None):
        resp.headers["HX-Redirect"] = url  # htmx would swap the redirect's page into a fragment
    return resp


def hold_post(reason, back):
    """Keep this POST's form for after the step-up; the browser keeps the key. Returns the row
    (None when the form was too big to hold)."""
    user = current_user if current_user.is_authenticated else None
    row, raw = step_up.hold(user, reason, request.path, back, request.form)
    if row is None:
        return None
    db.session.commit()
    session[HELD_KEY] = raw
    return row


def held_action():
    """The held action of this browser and person that is still waiting, or None."""
    return step_up.find(session.get(HELD_KEY), current_user if current_user.is_authenticated else None)


def face_check_redirect(next_url=None):
    """Send the person to the face check. `next_url` is the page to return to; a POST's form is
    held and offered again after the check."""
    if request.method == "POST":
        back = safe_target(next_url or request.path)
        if hold_post("face_check", back) is not None:
            return _hx(url_for("identity.check", next=back, why="held"))
        return _hx(url_for("identity.check", next=back))
    target = safe_target(next_url or request.full_path.rstrip("?"))
    return _hx(url_for("identity.check", next=target))


def sign_in_redirect():
    """For the unauthorised handler: a POST whose session ended is held; after sign-in the person
    goes to /identity/resume. Returns the URL to sign in at."""
    if request.method == "POST" and request.form and hold_post("sign_in", request.path) is not None:
        session["next"] = url_for("identity.resume")
    else:
        session["next"] = safe_target(request.full_path.rstrip("?"))
    return url_for("auth.signin")


def after_check(next_url):
    """Where a passed check (or a clerk's vouching) leads: the held form, else `next_url`."""
    return url_for("identity.resume") if held_action() is not None else next_url


def face_check_required(view):
    """Decorate a view (after @login_required) that needs a fresh face check."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if needs_face_check(current_user):
            return face_check_redirect()
        return view(*args, **kwargs)
    return wrapper


def claim_resumed():
    """Before each request: a POST sent from the resume page marks its held action used."""
    if request.method != "POST" or not current_user.is_authenticated:
        return
    raw = request.form.get("_held")
    if raw and step_up.claim(raw, current_user) is not None and session.get(HELD_KEY) == raw:
        session.pop(HELD_KEY, None)
