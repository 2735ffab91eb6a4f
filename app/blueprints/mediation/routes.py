"""Mediation (调解): the judge's terms, each party's confirmation and signature, payment and withdrawal."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404, load_or_404, refusals, send_stored, signing_refused
from app.blueprints.identity.gate import face_check_required
from app.blueprints.mediation.forms import NoteForm, TermsForm
from app.blueprints.transcripts.forms import ConfirmForm
from app.extensions import db
from app.forms import as_id
from app.htmx import render
from app.idempotent import once
from app.labels import ROLE_LABELS
from app.models import MediationAgreement
from app.services import mediation, signatures
from app.services.errors import DomainError

bp = Blueprint("mediation", __name__)


@bp.route("/cases/<int:case_id>/mediation/terms", methods=["GET", "POST"])
@login_required
@once("mediation.terms")
def terms(case_id):
    case = case_or_404(case_id)
    if not case.can_run(current_user):
        abort(404)
    form = TermsForm()
    form.payer.choices = form.payee.choices = [(p.id, f"{p.name} ({ROLE_LABELS.get(p.role, p.role)})")
                                               for p in case.parties]
    if request.method == "GET" or not form.validate_on_submit():
        return render("mediation/terms.html", case=case, form=form, status=400 if request.method == "POST" else 200)
    parties = {p.id: p for p in case.parties}
    try:
        agreement = mediation.draft_terms(case, current_user, amount=form.amount.data, payer=parties[form.payer.data],
                                          payee=parties[form.payee.data], schedule=form.schedule.data,
                                          other=form.other.data, hearing_id=request.args.get("hearing", type=as_id))
    except DomainError as exc:
        db.session.rollback()
        form.amount.errors = [_(exc.message, **exc.params)]
        return render("mediation/terms.html", case=case, form=form, status=exc.status)
    db.session.commit()
    flash(_("The terms were sent to the parties to confirm and sign."), "success")
    return redirect(url_for(".show", agreement_id=agreement.id))


def _show(a, status=200, form=None):
    version = a.current
    done = mediation.signed_parties(a, version) if version else {}
    party = mediation.party_of(a, current_user)
    return render("mediation/show.html", a=a, version=version, terms=mediation.terms_list(a.case, version.terms),
                  done=done, party=party, form=form or ConfirmForm(doc_hash=version.terms_hash),
                  has_signature=signatures.current_signature(current_user) is not None, status=status)


@bp.route("/mediation/<int:agreement_id>")
@login_required
def show(agreement_id):
    return _show(load_or_404(MediationAgreement, agreement_id))


@bp.route("/mediation/<int:agreement_id>/confirm", methods=["GET", "POST"])
@login_required
@face_check_required
def confirm(agreement_id):
    a = load_or_404(MediationAgreement, agreement_id)
    form = ConfirmForm()
    if not form.is_submitted():
        return redirect(url_for(".show", agreement_id=a.id))
    if not form.validate():
        return _show(a, 400, form)
    back = url_for(".show", agreement_id=a.id)
    refusal = signing_refused(lambda: mediation.confirm(a, current_user, current_user.session_row,
                                                        form.doc_hash.data), back)
    if refusal:
        return refusal
    db.session.commit()
    flash(_("You have confirmed and signed the mediation agreement."), "success")
    return redirect(url_for(".show", agreement_id=a.id))


@bp.route("/mediation/<int:agreement_id>/agreement.pdf")
@login_required
def download(agreement_id):
    a = load_or_404(MediationAgreement, agreement_id)
    if a.file is None:
        abort(404)
    return send_stored(a.file)


@bp.route("/cases/<int:case_id>/closing")
@login_required
def closing(case_id):
    case = case_or_404(case_id)
    party = case.party_for(current_user)
    return render("mediation/closing.html", case=case, party=party, form=NoteForm(),
                  pending=mediation.withdrawal_pending(case), can_decide=case.can_run(current_user))


@bp.route("/cases/<int:case_id>/paid", methods=["POST"])
@login_required
@refusals(".closing")
def paid(case_id):
    case = case_or_404(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    mediation.confirm_paid(case, current_user, form.note.data)
    db.session.commit()
    flash(_("The payment is recorded."), "success")
    return redirect(url_for(".closing", case_id=case.id))


@bp.route("/cases/<int:case_id>/withdraw", methods=["GET", "POST"])
@login_required
@face_check_required
@refusals(".closing")
def withdraw(case_id):
    case = case_or_404(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return redirect(url_for(".closing", case_id=case.id))
    mediation.request_withdrawal(case, current_user, form.note.data)
    db.session.commit()
    flash(_("Your withdrawal application was sent to the judge."), "success")
    return redirect(url_for(".closing", case_id=case.id))


@bp.route("/cases/<int:case_id>/withdraw/grant", methods=["POST"])
@login_required
@refusals(".closing")
def grant(case_id):
    case = case_or_404(case_id)
    if not NoteForm().validate_on_submit():
        abort(400)
    mediation.grant_withdrawal(case, current_user)
    db.session.commit()
    flash(_("The withdrawal is granted; the case is closed."), "success")
    return redirect(url_for(".closing", case_id=case.id))
