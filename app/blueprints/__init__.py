"""Blueprints, one package per area. The shared route helpers live here: one loader
(`load_or_404`), one refusal path (the `@refusals` decorator, `flash_refusal`), signing refusals, and
`send_stored` for every download."""
import logging
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db

audit = logging.getLogger("microcourt.audit")


def load_or_404(model, ident, can="can_view", by=None, **options):
    """The row, if it exists and the signed-in person passes the predicate; otherwise 404, never a
    hint that it exists (the refusal goes to the audit log). `can` is the name of a model predicate
    taking the user (default `can_view`), a callable `(obj, user) -> bool`, or None for rows that
    need no check. `by` names a unique column to look up instead of the id (`by="filing_ref"`).
    Ids that no column can hold (> 2^31, negative) are a plain 404."""
    if by is not None:
        obj = db.session.scalar(select(model).where(getattr(model, by) == str(ident))) if ident else None
    else:
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
            audit.info("%s access refused user=%s path=%s", model.__name__.lower(), getattr(current_user, "id", None),
                       request.path)
            abort(404)
    return obj


def case_or_404(case_id):
    """The case, if the signed-in person may see it (`Case.can_view`)."""
    from app.models import Case
    return load_or_404(Case, case_id)


def flash_refusal(exc):
    """Tell the person why a service said no, in their language (and each problem it lists)."""
    flash(_(exc.message, **exc.params), "error")
    for msgid, params in getattr(exc, "problems", ()):
        flash(_(msgid, **params), "error")


def refused(exc, endpoint, **values):
    """A service said no: undo, tell the person why in their language, go back to the page."""
    db.session.rollback()
    flash_refusal(exc)
    return redirect(url_for(endpoint, **values))


def refusals(back):
    """Decorator, the one refusal path for routes: a DomainError raised anywhere in the view is
    rolled back, flashed in the person's language, and answered with a redirect to `back`.
    `back` is an endpoint name (built with the view's keyword arguments; ".name" for this
    blueprint) or a callable taking the view's arguments and returning a URL."""
    from app.services.errors import DomainError

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                flash_refusal(exc)
                if callable(back):
                    target = back(*args, **kwargs)
                else:
                    endpoint = back if "." not in back[:1] else request.blueprint + back
                    target = url_for(endpoint, **kwargs)
                return redirect(target)
        return wrapper
    return decorate


def send_stored(stored):
    """A stored file as the answer: always an attachment, with nosniff (set globally) and a
    sandboxing CSP, never cached by shared caches."""
    from flask import send_file
    from app.services.storage import path_of
    resp = send_file(path_of(stored), mimetype=stored.content_type, as_attachment=True,
                     download_name=stored.original_name, conditional=True, max_age=0)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


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
