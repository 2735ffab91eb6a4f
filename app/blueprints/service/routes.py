"""Electronic service (电子送达): consent, confirmed service addresses, serving a document, the
recipient's page (opened only by a POST after signing in as themselves), the certificate."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404, load_or_404, refusals, send_stored
from app.blueprints.service.forms import (AckForm, AddressCodeForm, AddressForm, ConsentForm, InPersonForm,
                                          ServeForm)
from app.extensions import db, limiter
from app.htmx import render
from app.idempotent import once
from app.models import ServiceAddress, ServiceOfDocument
from app.services import consent as consent_service, e_service, storage
from app.services.errors import DomainError, N_

bp = Blueprint("service", __name__)


def _user_key():
    return f"service-address-code:{current_user.id}"


@bp.route("/cases/<int:case_id>/service/consent", methods=["GET", "POST"])
@login_required
def consent(case_id):
    case = case_or_404(case_id)
    form = ConsentForm()
    staff = case.can_review(current_user)
    parties = case.parties if staff else [p for p in case.parties if case.party_for(current_user) is p]
    form.party.choices = [(p.id, p.name) for p in parties]
    if not staff:
        form.how.choices = form.how.choices[:1]  # a party's own answer is explicit
    standing = {p.id: consent_service.current(case, p, "e_service") for p in case.parties}
    confirmed = {p.id: e_service.confirmed_address(p, e_service.recipient_for(p)) for p in case.parties}
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
            waiting = next((r for r in e_service.addresses_for(case, current_user) if r.state == "pending"
                            and r.owner_id == current_user.id and r.code_sent_at), None)
            if waiting is not None:  # the number given with the consent: confirm it with the code just sent
                flash(_("A code was sent to %(number)s. Enter it here to confirm the number.",
                        number=waiting.address), "info")
                return redirect(url_for(".address", address_id=waiting.id))
            return redirect(url_for(".consent", case_id=case.id))
    return render("service/consent.html", case=case, form=form, standing=standing, confirmed=confirmed,
                  status=400 if request.method == "POST" else 200)


# --------------------------------------------------------------------------- service addresses

def _address_parties(case):
    """Parties whose address this person may propose: all for the court, else those they receive for."""
    if case.can_review(current_user):
        return list(case.parties)
    return [p for p in case.parties if e_service.recipient_for(p) is not None
            and e_service.recipient_for(p).id == current_user.id]


@bp.route("/cases/<int:case_id>/service/addresses", methods=["GET", "POST"])
@login_required
def addresses(case_id):
    case = case_or_404(case_id)
    form = AddressForm()
    parties = _address_parties(case)
    form.party.choices = [(p.id, p.name) for p in parties]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            party = next((p for p in parties if p.id == form.party.data), None)
            try:
                if party is None:
                    raise e_service.NotAllowed()
                row = e_service.propose_address(case, party, current_user, form.address.data)
            except DomainError as exc:
                db.session.rollback()
                form.address.errors = [_(exc.message, **exc.params)]
            else:
                db.session.commit()
                if row.state == "pending" and row.owner_id == current_user.id:
                    flash(_("A code was sent to %(number)s. Enter it here to confirm the number.",
                            number=row.address), "info")
                    return redirect(url_for(".address", address_id=row.id))
                flash(_("The number is recorded. It is used for service once confirmed."), "success")
                return redirect(url_for(".addresses", case_id=case.id))
        status = 400
    return render("service/addresses.html", case=case, form=form, rows=e_service.addresses_for(case, current_user),
                  status=status)


@bp.route("/service/addresses/<int:address_id>")
@login_required
def address(address_id):
    row = load_or_404(ServiceAddress, address_id)
    return render("service/address.html", row=row, code_form=AddressCodeForm(), person_form=InPersonForm())


@bp.route("/service/addresses/<int:address_id>/code", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["LIMIT_SMS_PER_NUMBER"], key_func=_user_key)
@refusals(".address")
def address_code(address_id):
    row = load_or_404(ServiceAddress, address_id)
    if not AckForm().validate_on_submit():
        abort(400)
    e_service.send_address_code(row, current_user)
    db.session.commit()
    flash(_("A code was sent to %(number)s. Enter it here to confirm the number.", number=row.address), "info")
    return redirect(url_for(".address", address_id=row.id))


@bp.route("/service/addresses/<int:address_id>/confirm", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["LIMIT_CODE_ATTEMPTS"])
def address_confirm(address_id):
    row = load_or_404(ServiceAddress, address_id)
    form = AddressCodeForm()
    if form.validate_on_submit():
        try:
            e_service.confirm_address_by_code(row, current_user, form.code.data)
        except DomainError as exc:
            db.session.commit()  # keep the attempt count
            form.code.errors = [_(exc.message, **exc.params)]
        else:
            db.session.commit()
            flash(_("Thank you. This number is now your confirmed address for service in this case."), "success")
            return redirect(url_for(".addresses", case_id=row.case_id))
    return render("service/address.html", row=row, code_form=form, person_form=InPersonForm(formdata=None),
                  status=400)


@bp.route("/service/addresses/<int:address_id>/in-person", methods=["POST"])
@login_required
def address_in_person(address_id):
    row = load_or_404(ServiceAddress, address_id)
    form = InPersonForm()
    if form.validate_on_submit():
        try:
            e_service.confirm_address_in_person(row, current_user, form.note.data)
        except DomainError as exc:
            db.session.rollback()
            form.note.errors = [_(exc.message, **exc.params)]
        else:
            db.session.commit()
            flash(_("The in-person confirmation is recorded."), "success")
            return redirect(url_for(".addresses", case_id=row.case_id))
    return render("service/address.html", row=row, code_form=AddressCodeForm(formdata=None), person_form=form,
                  status=400)


@bp.route("/service/addresses/<int:address_id>/revoke", methods=["POST"])
@login_required
@refusals(".address")
def address_revoke(address_id):
    row = load_or_404(ServiceAddress, address_id)
    if not AckForm().validate_on_submit():
        abort(400)
    e_service.revoke_address(row, current_user)
    db.session.commit()
    flash(_("This number is no longer used for service."), "success")
    return redirect(url_for(".addresses", case_id=row.case_id))


# --------------------------------------------------------------------------- serving

@bp.route("/cases/<int:case_id>/service/new", methods=["GET", "POST"])
@login_required
@once("service.new")
def new(case_id):
    case = case_or_404(case_id)
    if not case.can_review(current_user):
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
    """The service page. Reading it writes nothing: the delivery times come in through the SMS jobs
    (`e_service.sync_open_services`), and "opened" is recorded by the recipient's POST below."""
    s = load_or_404(ServiceOfDocument, service_id)
    return render("service/show.html", s=s, form=AckForm(), is_recipient=current_user.id == s.recipient_id,
                  opened=any(a.opened_at for a in s.attempts))


@bp.route("/service/<int:service_id>/open", methods=["POST"])
@login_required
def open_document(service_id):
    """The recipient opens the served document: the read receipt (a POST, never a link's GET)."""
    s = load_or_404(ServiceOfDocument, service_id)
    if not AckForm().validate_on_submit():
        abort(400)
    e_service.mark_opened(s, current_user)
    db.session.commit()
    return redirect(url_for(".document", service_id=s.id))


@bp.route("/service/<int:service_id>/document")
@login_required
def document(service_id):
    s = load_or_404(ServiceOfDocument, service_id)
    if current_user.id == s.recipient_id and not any(a.opened_at for a in s.attempts):
        return redirect(url_for(".show", service_id=s.id))  # opening is recorded by a POST there
    return send_stored(s.file)


@bp.route("/service/<int:service_id>/ack", methods=["POST"])
@login_required
def acknowledge(service_id):
    s = load_or_404(ServiceOfDocument, service_id)
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
    s = load_or_404(ServiceOfDocument, service_id)
    if s.certificate is None:
        abort(404)
    return send_stored(s.certificate)
