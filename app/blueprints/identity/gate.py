"""The face-check gate: parties and lawyers need a fresh face check for sensitive steps.

Court staff are never face-checked. A person without a fresh check is sent to the check page,
with the step they came for kept in `next`, and brought back to it after a match.
"""
from functools import wraps

from flask import redirect, request, url_for
from flask_login import current_user

from app.services.auth import safe_target


def needs_face_check(user):
    return user.is_authenticated and not user.is_staff and not user.face_verified


def face_check_redirect(next_url=None):
    target = safe_target(next_url or (request.full_path.rstrip("?") if request.method == "GET" else request.path))
    url = url_for("identity.check", next=target)
    if getattr(request, "htmx", None):
        resp = redirect(url)
        resp.headers["HX-Redirect"] = url  # htmx would swap the redirect's page into a fragment
        return resp
    return redirect(url)


def face_check_required(view):
    """Decorate a view (after @login_required) that needs a fresh face check."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if needs_face_check(current_user):
            return face_check_redirect()
        return view(*args, **kwargs)
    return wrapper
