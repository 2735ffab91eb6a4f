"""Blueprints, one package per area. Shared route helpers live here."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db


def case_or_404(case_id):
    """The case, if the signed-in person may see it; otherwise 404, never a hint that it exists."""
    from app.models import Case
    case = db.session.get(Case, case_id)
    if case is None or not case.can_view(current_user):
        abort(404)
    return case


def refused(exc, endpoint, **values):
    """A service said no: undo, tell the person why in their language, go back to the page."""
    db.session.rollback()
    flash(_(exc.message, **exc.params), "error")
    return redirect(url_for(endpoint, **values))


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
