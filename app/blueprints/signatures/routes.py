"""Capturing a person's signature (签名): drawn on the phone, or photographed on paper without JS."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints.identity.gate import face_check_required
from app.blueprints.signatures.forms import SignatureForm
from app.extensions import db
from app.htmx import render
from app.models import Signature
from app.services import signatures, storage
from app.services.auth import safe_target
from app.services.errors import DomainError

bp = Blueprint("signatures", __name__, url_prefix="/signature")


def _page(form, status=200):
    return render("signatures/capture.html", form=form, current=signatures.current_signature(current_user),
                  status=status)


@bp.route("", methods=["GET", "POST"])
@login_required
@face_check_required  # the image must belong to the person whose face was checked
def capture():
    form = SignatureForm()
    if request.method == "GET":
        form.next.data = safe_target(request.args.get("next")) if request.args.get("next") else ""
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        if form.drawn.data:
            signatures.save_signature(current_user, signatures.decode_data_url(form.drawn.data), source="drawn")
        elif form.photo.data:
            signatures.save_signature(current_user, form.photo.data.read(signatures.MAX_BYTES + 1), source="photo")
        else:
            raise signatures.EmptySignature()
    except DomainError as exc:
        db.session.rollback()
        form.photo.errors = [_(exc.message, **exc.params)]
        return _page(form, exc.status)
    db.session.commit()
    flash(_("Your signature is saved. It is only applied to a document when you confirm that document."), "success")
    return redirect(safe_target(form.next.data) if form.next.data else url_for(".capture"))


@bp.route("/<int:signature_id>.png")
@login_required
def image(signature_id):
    sig = db.session.get(Signature, signature_id)
    # Only the person, or court staff (who see it on the documents it was applied to).
    if sig is None or not (sig.user_id == current_user.id or current_user.is_staff):
        abort(404)
    return storage.send_stored(sig.image)
