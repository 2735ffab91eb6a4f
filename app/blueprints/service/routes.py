"""Electronic service (电子送达): consent, serving a document, the recipient's page, the certificate."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404
from app.blueprints.service.forms import AckForm, ConsentForm, ServeForm
from app.extensions import db
from app.htmx import render
from app.models import ServiceOfDocument
from app.services import consent as consent_service, e_service, storage
from app.services.errors import DomainError, N_

bp = Blueprint("service", __name__)



def _service_or_404(service_id):
    s = db.session.get(ServiceOfDocument, service_id)
    if s is None or not e_service.can_open(s, current_user):
        abort(404)
    return s


@bp.route("/cases/<int:case_id>/service/consent", methods=["GET", "POST"])
@login_required
def consent(case_id):
    case = case_or_404(case_id)
    form = ConsentForm()
    parties = case.parties if current_user.is_staff else [p for p in case.parties if case.party_for(current_user) is p]
    form.party.choices = [(p.id, p.name) for p in parties]
    if not current_user.is_staff:
        form.how.choices = form.how.choices[:1]  # a party's own answer is explicit
    standing = {p.id: consent_service.current(case, p, "e_service") for p in case.parties}
    if request.method == "POST" and form.validate_on_submit():
        party = next(p for p in parties if p.id == form.party.data)
        try:
            if not current_user.is_staff and request.form.get("answer") == "no":  # a real choice: paper
                consent_service.record_consent(case, party, "e_service", False, current_user)
                db.session.commit()
                flash(_("Recorded: court documents will be served to you on paper."), "success")
                return redirect(url_for(".consent", case_id=case.id))
            e_service.record_consent(case, party, current_user, form.how.data, form.address.data or None)
        except DomainError as exc:
            db.session.rollback()
            form.address.errors = [_(exc.message, **exc.params)]
        else:
            db.session.commit()
            flash(_("Consent to electronic service is recorded."), "success")
            return redirect(url_for(".consent", case_id=case.id))
    return render("service/consent.html", case=case, form=form, standing=standing,
                  status=400 if request.method == "POST" else 200)


@bp.route("/cases/<int:case_id>/service/new", methods=["GET", "POST"])
@login_required
def new(case_id):
    case = case_or_404(case_id)
    if not (current_user.is_staff and current_user.court_id == case.court_id):
        abort(404)
    form = ServeForm()
    form.party.choices = [(p.id, p.name) for p in case.parties]
    form.file.choices = [(0, "—")] + [(f.id, f.original_name) for f in e_service.case_files(case)]
    if request.method == "POST" and form.validate_on_submit():
        try:
            if form.upload.data:
                stored = storage.save_upload(form.upload.data, kind="document", actor=current_user, case=case)
            elif form.file.data:
                stored = next(f for f in e_service.case_files(case) if f.id == form.file.data)
            else:
                raise DomainError(N_("Choose a document to serve."))
            party = next(p for p in case.parties if p.id == form.party.data)
            service = e_service.serve(case, party, current_user, stored_file=stored, kind=form.kind.data,
                                      title=form.title.data)
        except DomainError as exc:
            db.session.rollback()
            form.party.errors = [_(exc.message, **exc.params)]
        else:
            db.session.commit()
            flash(_("The document was sent. Its service log is below."), "success")
            return redirect(url_for(".show", service_id=service.id))
    return render("service/new.html", case=case, form=form, status=400 if request.method == "POST" else 200)


@bp.route("/service/<int:service_id>")
@login_required
def show(service_id):
    s = _service_or_404(service_id)
    if current_user.id == s.recipient_id:
        e_service.mark_opened(s, current_user)
    else:
        e_service.refresh(s)
    db.session.commit()
    return render("service/show.html", s=s, form=AckForm(), is_recipient=current_user.id == s.recipient_id)


@bp.route("/service/<int:service_id>/document")
@login_required
def document(service_id):
    s = _service_or_404(service_id)
    if current_user.id == s.recipient_id:
        e_service.mark_opened(s, current_user)
        db.session.commit()
    return storage.send_stored(s.file)


@bp.route("/service/<int:service_id>/ack", methods=["POST"])
@login_required
def acknowledge(service_id):
    s = _service_or_404(service_id)
    if not AckForm().validate_on_submit():
        abort(400)
    try:
        e_service.acknowledge(s, current_user)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("Thank you. Your receipt is recorded."), "success")
    return redirect(url_for(".show", service_id=s.id))


@bp.route("/service/<int:service_id>/certificate.pdf")
@login_required
def certificate(service_id):
    s = _service_or_404(service_id)
    if s.certificate is None:
        abort(404)
    return storage.send_stored(s.certificate)
