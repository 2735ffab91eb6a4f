"""Blueprints, one package per area. The shared route helpers live here: one loader
(`load_or_404`), one refusal path (`refused` and the `@refusals` decorator), signing refusals."""
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db


def load_or_404(model, ident, can="can_view", **options):
    """The row, if it exists and the signed-in person passes the predicate; otherwise 404, never a
    hint that it exists. `can` is the name of a model predicate taking the user (default
    `can_view`), a callable `(obj, user) -> bool`, or None for rows that need no check.
    Ids that no column can hold (> 2^63, negative) are a plain 404."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < ident < 2 ** 31:
        abort(404)
    obj = db.session.get(model, ident, **options)
    if obj is None:
        abort(404)
    if can is not None:
        allowed = getattr(obj, can)(current_user) if isinstance(can, str) else can(obj, current_user)
        if not allowed:
            abort(404)
    return obj


def case_or_404(case_id):
    """The case, if the signed-in person may see it (`Case.can_view`)."""
    from app.models import Case
    return load_or_404(Case, case_id)


def refused(exc, endpoint, **values):
    """A service said no: undo, tell the person why in their language, go back to the page."""
    db.session.rollback()
    flash(_(exc.message, **exc.params), "error")
    return redirect(url_for(endpoint, **values))


def refusals(back):
    """Decorator, the one refusal path for routes: a DomainError raised anywhere in the view is
    rolled back, flashed in the person's language, and answered with a redirect to `back`.
    `back` is an endpoint name (called with the view's own arguments) or a callable taking the
    view's arguments and returning a URL."""
    from app.services.errors import DomainError

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            try:
                return view(**kwargs)
            except DomainError as exc:
                db.session.rollback()
                flash(_(exc.message, **exc.params), "error")
                if callable(back):
                    target = back(**kwargs)
                else:
                    endpoint = back if "." not in back[:1] else request.blueprint + back
                    target = url_for(endpoint, **kwargs)
                return redirect(target)
        return wrapper
    return decorate


def signing_refused(apply, back):
    """Run a signing service call. None when it went through; otherwise the redirect that explains
    why: without a captured signature the person goes to capture one and comes back to `back`."""
    from app.services.errors import DomainError
    from app.services.signatures import NoSignature
    try:
        apply()
    except NoSignature:
        db.session.rollback()
        flash(_("Capture your signature first; you will come back here to confirm."), "info")
        return redirect(url_for("signatures.capture", next=back))
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return redirect(back)
    return None
