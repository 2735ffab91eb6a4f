"""Enforcement routes (执行): thin; load with a predicate, call one service, commit once.
Bad input re-renders the page with what was typed and the reason; nothing is lost."""
import re
import secrets
from datetime import timedelta

from markupsafe import Markup, escape

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404, load_or_404, send_stored, signing_refused
from app.blueprints.enforcement.forms import (ACTION_LABELS, CLUE_LABELS, ENTRY_LABELS, INSTRUMENT_LABELS, PARTY_LABELS,
                                              STATUS_LABELS, ApplicationForm, ClueActionForm, ClueForm, EntryForm,
                                              OpeningDocumentsForm, CONDITION_LABELS, MEASURE_LABELS,
                                              SETTLEMENT_LABELS, EndSettlementForm, InterviewForm, MeasureForm,
                                              SettlementForm,
                                              RequestConfirmationForm)
from app.blueprints.identity.gate import face_check_required
from app.blueprints.transcripts.forms import ConfirmForm
from app.extensions import db
from app.htmx import render
from app.models import utcnow
from app.models.enforcement import (EnforcementMeasure, ExecutionSettlement, LedgerEntry, PropertyClue,
                                    ReceiptConfirmation)
from app.services import enforcement as enf, signatures, storage
from app.services.errors import DomainError

bp = Blueprint("enforcement", __name__, url_prefix="/enforcement")
_OWN_PATH = re.compile(r"(/enforcement/cases/\d+/confirmations/\d+)")


@bp.app_template_filter("court_links")
def court_links(text):
    """Escape a message and make this court's own enforcement paths in it clickable (the judge's
    "confirm you received …" item points at the confirmation page). Nothing else becomes a link."""
    parts = _OWN_PATH.split(text or "")
    return Markup("").join(Markup('<a href="{0}">{0}</a>').format(p) if _OWN_PATH.fullmatch(p) else escape(p)
                           for p in parts)

LABELS = dict(instrument_labels=INSTRUMENT_LABELS, clue_labels=CLUE_LABELS, action_labels=ACTION_LABELS,
              entry_labels=ENTRY_LABELS, status_labels=STATUS_LABELS, measure_labels=MEASURE_LABELS,
              condition_labels=CONDITION_LABELS, settlement_labels=SETTLEMENT_LABELS, party_labels=PARTY_LABELS, yuan=enf.yuan)


def _upload(field):
    f = field.data
    return f if f is not None and getattr(f, "filename", "") else None


def _execution_or_404(case_id):
    case = case_or_404(case_id)
    ex = enf.execution_for(case)
    if ex is None:
        abort(404)
    return case, ex


# --------------------------------------------------------------------------- applying

@bp.route("/cases/<int:case_id>/application", methods=["GET", "POST"])
@login_required
def application(case_id):
    case = case_or_404(case_id)
    if case.kind != "enforcement" or not case.is_filer(current_user):
        abort(404)
    ex = enf.execution_for(case)
    choices = enf.instrument_choices(case)
    form = ApplicationForm()
    form.instrument_case.choices = [(0, "—")] + [(c.id, f"{c.case_number} {c.title}") for c in choices]
    if request.method == "GET" and ex is not None:
        form.instrument_kind.data, form.source.data = ex.instrument_kind, ex.instrument_source
        form.instrument_case.data = ex.instrument_case_id or 0
        form.instrument_number.data = ex.instrument_number if ex.instrument_source == "upload" else ""
        form.effective_on.data = ex.effective_on.isoformat()
        form.amount.data = str(ex.amount) if ex.amount is not None else ""
        form.act.data = ex.act
    if request.method == "GET" or not form.validate_on_submit():
        return render("enforcement/application.html", case=case, ex=ex, form=form,
                      status=400 if request.method == "POST" else 200, **LABELS)
    by_id = {c.id: c for c in choices}
    system = form.source.data == "system"
    try:
        enf.set_application(case, current_user, instrument_kind=form.instrument_kind.data,
                            effective_on=form.effective_on.data,
                            instrument_case=by_id.get(form.instrument_case.data) if system else None,
                            instrument_number=form.instrument_number.data, amount=form.amount.data, act=form.act.data,
                            instrument_upload=None if system else _upload(form.instrument_file),
                            proof_upload=None if system else _upload(form.proof_file))
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return render("enforcement/application.html", case=case, ex=ex, form=form, status=exc.status, **LABELS)
    db.session.commit()
    flash(_("The enforcement application is saved."), "success")
    return redirect(url_for("filing.show", ref=case.filing_ref))


# --------------------------------------------------------------------------- the case page

def _page(case, ex, status=200, **forms):
    court, applicant = enf.is_court(case, current_user), enf.is_applicant(case, current_user)
    respondent = enf.is_respondent(case, current_user)
    pending = db.session.scalars(db.select(ReceiptConfirmation).where(
        ReceiptConfirmation.execution_id == ex.id).order_by(ReceiptConfirmation.id.desc())).all()
    from app.models import ServiceOfDocument
    q = db.select(ServiceOfDocument).where(ServiceOfDocument.case_id == case.id).order_by(ServiceOfDocument.id)
    if not court:
        q = q.where(ServiceOfDocument.recipient_id == current_user.id)
    return render("enforcement/case.html", case=case, ex=ex, totals=enf.totals(ex), court=court,
                  form_key=secrets.token_hex(16),
                  services=db.session.scalars(q).all(), documents_form=OpeningDocumentsForm(),
                  settlements=db.session.scalars(db.select(ExecutionSettlement).where(
                      ExecutionSettlement.execution_id == ex.id).order_by(ExecutionSettlement.id)).all(),
                  measures=db.session.scalars(db.select(EnforcementMeasure).where(
                      EnforcementMeasure.execution_id == ex.id).order_by(EnforcementMeasure.id)).all(),
                  interview=enf.latest_interview(ex),
                  settlement_form=forms.get("settlement_form") or SettlementForm(),
                  end_form=EndSettlementForm(), measure_form=forms.get("measure_form") or _measure_form(case),
                  interview_form=forms.get("interview_form") or InterviewForm(),
                  applicant=applicant, respondent=respondent, confirmations=pending,
                  clue_form=forms.get("clue_form") or ClueForm(),
                  entry_form=forms.get("entry_form") or EntryForm(),
                  request_form=forms.get("request_form") or RequestConfirmationForm(),
                  clues=ex.clues if (court or applicant) else [], status=status, **LABELS)


@bp.route("/cases/<int:case_id>")
@login_required
def case(case_id):
    case, ex = _execution_or_404(case_id)
    return _page(case, ex)


@bp.route("/cases/<int:case_id>/clues", methods=["POST"])
@login_required
def add_clue(case_id):
    case, ex = _execution_or_404(case_id)
    form = ClueForm()
    if not enf.is_applicant(case, current_user):
        abort(404)
    if not form.validate_on_submit():
        return _page(case, ex, 400, clue_form=form)
    try:
        enf.submit_clue(case, current_user, kind=form.kind.data, description=form.description.data,
                        upload=_upload(form.attachment), key=form.key.data)
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return _page(case, ex, exc.status, clue_form=form)
    db.session.commit()
    flash(_("Thank you: the property clue was sent to the court. The respondent cannot see it."), "success")
    return redirect(url_for(".case", case_id=case.id) + "#clues")


@bp.route("/clues/<int:clue_id>", methods=["GET", "POST"])
@login_required
def clue(clue_id):
    clue = load_or_404(PropertyClue, clue_id)
    case = clue.execution.case
    form = ClueActionForm()
    if request.method == "POST":
        if not enf.is_court(case, current_user):
            abort(404)
        if form.validate_on_submit():
            try:
                enf.record_clue_action(clue, current_user, action=form.action.data, done_on=form.done_on.data,
                                       until=form.until.data, note=form.note.data)
            except DomainError as exc:
                db.session.rollback()
                flash(_(exc.message, **exc.params), "error")
            else:
                db.session.commit()
                flash(_("The handling of the clue is recorded."), "success")
                return redirect(url_for(".clue", clue_id=clue.id))
    return render("enforcement/clue.html", clue=clue, case=case, form=form, court=enf.is_court(case, current_user),
                  status=400 if request.method == "POST" else 200, **LABELS)


@bp.route("/clues/<int:clue_id>/attachment")
@login_required
def clue_attachment(clue_id):
    clue = load_or_404(PropertyClue, clue_id)
    if clue.attachment is None:
        abort(404)
    return send_stored(clue.attachment)


@bp.route("/cases/<int:case_id>/ledger", methods=["POST"])
@login_required
def add_entry(case_id):
    case, ex = _execution_or_404(case_id)
    form = EntryForm()
    if not form.validate_on_submit():
        return _page(case, ex, 400, entry_form=form)
    try:
        enf.record_entry(case, current_user, kind=form.kind.data, amount=form.amount.data, on_date=form.on_date.data,
                         note=form.note.data, proof=_upload(form.proof), key=form.key.data)
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return _page(case, ex, exc.status, entry_form=form)
    db.session.commit()
    flash(_("The ledger entry is recorded."), "success")
    return redirect(url_for(".case", case_id=case.id) + "#ledger")


def _entry_visible(entry, user):
    return entry.execution.case.can_view(user)


@bp.route("/ledger/<int:entry_id>/confirm", methods=["POST"])
@login_required
def confirm_entry(entry_id):
    entry = load_or_404(LedgerEntry, entry_id, can=_entry_visible)
    try:
        enf.confirm_payment(entry, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
    else:
        db.session.commit()
        flash(_("The payment is confirmed."), "success")
    return redirect(url_for(".case", case_id=entry.execution.case_id) + "#ledger")


@bp.route("/ledger/<int:entry_id>/proof")
@login_required
def entry_proof(entry_id):
    entry = load_or_404(LedgerEntry, entry_id, can=_entry_visible)
    if entry.proof is None:
        abort(404)
    return send_stored(entry.proof)


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@login_required
def serve_documents(case_id):
    case, ex = _execution_or_404(case_id)
    form = OpeningDocumentsForm()
    if not enf.is_court(case, current_user):
        abort(404)
    if not form.validate_on_submit():
        return _page(case, ex, 400)
    try:
        out = enf.serve_opening_documents(case, current_user, report_by=enf.report_deadline(form.report_days.data or 5))
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return _page(case, ex, exc.status)
    db.session.commit()
    paper = {p.name for _stored, _served, on_paper in out.values() for p in on_paper}
    flash(_("The notice of enforcement and the order to report property were issued and served."), "success")
    if paper:
        flash(_("Not agreed to electronic service, serve on paper: %(names)s", names="、".join(sorted(paper))), "info")
    return redirect(url_for(".case", case_id=case.id))


@bp.route("/cases/<int:case_id>/closing.pdf")
@login_required
def closing_document(case_id):
    case, ex = _execution_or_404(case_id)
    if ex.closing_file is None:
        abort(404)
    return send_stored(ex.closing_file)


# --------------------------------------------------------------------------- closing as completed

@bp.route("/cases/<int:case_id>/confirmations", methods=["POST"])
@login_required
def request_confirmation(case_id):
    case, ex = _execution_or_404(case_id)
    form = RequestConfirmationForm()
    if not form.validate_on_submit():
        return _page(case, ex, 400, request_form=form)
    try:
        conf = enf.request_receipt_confirmation(case, current_user,
                                                deadline=utcnow() + timedelta(days=form.days.data or 3))
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return _page(case, ex, exc.status, request_form=form)
    db.session.commit()
    flash(_("The applicant was asked, in the case group, to confirm receipt."), "success")
    return redirect(url_for(".confirmation", case_id=case.id, conf_id=conf.id))


def _confirmation_or_404(case_id, conf_id):
    case, ex = _execution_or_404(case_id)
    conf = load_or_404(ReceiptConfirmation, conf_id, can=None)
    if conf.execution_id != ex.id:
        abort(404)
    return case, conf


def _show_confirmation(case, conf, form=None, status=200):
    return render("enforcement/confirmation.html", case=case, conf=conf, form=form or ConfirmForm(doc_hash=conf.content_hash),
                  applicant=enf.is_applicant(case, current_user),
                  has_signature=signatures.current_signature(current_user) is not None, status=status, **LABELS)


@bp.route("/cases/<int:case_id>/confirmations/<int:conf_id>")
@login_required
def confirmation(case_id, conf_id):
    case, conf = _confirmation_or_404(case_id, conf_id)
    return _show_confirmation(case, conf)


@bp.route("/cases/<int:case_id>/confirmations/<int:conf_id>/confirm", methods=["GET", "POST"])
@login_required
@face_check_required
def confirm(case_id, conf_id):
    case, conf = _confirmation_or_404(case_id, conf_id)
    back = url_for(".confirmation", case_id=case.id, conf_id=conf.id)
    form = ConfirmForm()
    if not form.is_submitted():
        return redirect(back)  # a GET (after a face check) only shows the page: GET never writes
    if not form.validate():
        return _show_confirmation(case, conf, form, 400)
    refusal = signing_refused(lambda: enf.confirm_receipt(conf, current_user, current_user.session_row,
                                                          form.doc_hash.data), back)
    if refusal:
        return refusal
    db.session.commit()
    flash(_("Thank you. You confirmed receipt; the enforcement case is closed as completed."), "success")
    return redirect(back)


# --------------------------------------------------------------------------- settlement, measures, 终本

def _measure_form(case, formdata=None):
    form = MeasureForm() if formdata else MeasureForm(formdata=None)
    form.party.choices = [(p.id, p.name) for p in case.parties if p.role == enf.RESPONDENT]
    return form


def _court_post(case_id, form, call, done, anchor, form_name):
    """One shape for the court's recording forms: validate, call, commit, or re-render keeping the input."""
    case, ex = _execution_or_404(case_id)
    if not enf.is_court(case, current_user):
        abort(404)
    if not form.validate_on_submit():
        return _page(case, ex, 400, **{form_name: form})
    try:
        call(case, form)
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return _page(case, ex, exc.status, **{form_name: form})
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".case", case_id=case.id) + anchor)


@bp.route("/cases/<int:case_id>/settlements", methods=["POST"])
@login_required
def add_settlement(case_id):
    return _court_post(case_id, SettlementForm(),
                       lambda case, f: enf.record_settlement(case, current_user, terms=f.terms.data),
                       _("The settlement is recorded; both sides are asked to confirm and sign it."),
                       "#settlement", "settlement_form")


def _settlement_or_404(case_id, sid):
    case, ex = _execution_or_404(case_id)
    s = load_or_404(ExecutionSettlement, sid, can=None)
    if s.execution_id != ex.id:
        abort(404)
    return case, s


@bp.route("/cases/<int:case_id>/settlements/<int:sid>")
@login_required
def settlement(case_id, sid):
    case, s = _settlement_or_404(case_id, sid)
    signer = enf.is_applicant(case, current_user) or enf.is_respondent(case, current_user)
    return render("enforcement/settlement.html", case=case, s=s, signed=enf.settlement_signers(s),
                  can_sign=signer and current_user.id not in enf.settlement_signers(s),
                  form=ConfirmForm(doc_hash=s.content_hash), end_form=EndSettlementForm(),
                  court=enf.is_court(case, current_user),
                  has_signature=signatures.current_signature(current_user) is not None, **LABELS)


@bp.route("/cases/<int:case_id>/settlements/<int:sid>/sign", methods=["GET", "POST"])
@login_required
@face_check_required
def sign_settlement(case_id, sid):
    case, s = _settlement_or_404(case_id, sid)
    back = url_for(".settlement", case_id=case.id, sid=s.id)
    form = ConfirmForm()
    if not form.is_submitted():
        return redirect(back)
    if not form.validate():
        flash(_("Tick the box to confirm you have read this version."), "error")
        return redirect(back)
    refusal = signing_refused(lambda: enf.sign_settlement(s, current_user, current_user.session_row,
                                                          form.doc_hash.data), back)
    if refusal:
        return refusal
    db.session.commit()
    flash(_("You have confirmed and signed the settlement."), "success")
    return redirect(back)


@bp.route("/cases/<int:case_id>/settlements/<int:sid>/end", methods=["POST"])
@login_required
def end_settlement(case_id, sid):
    case, s = _settlement_or_404(case_id, sid)
    back = url_for(".settlement", case_id=case.id, sid=s.id)
    form = EndSettlementForm()
    if not enf.is_court(case, current_user):
        abort(404)
    if not form.validate_on_submit():
        flash(_("Choose an outcome."), "error")
        return redirect(back)
    try:
        enf.end_settlement(s, current_user, performed=form.outcome.data == "performed", note=form.note.data)
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Recorded."), "success")
    return redirect(back)


@bp.route("/cases/<int:case_id>/measures", methods=["POST"])
@login_required
def add_measure(case_id):
    case = case_or_404(case_id)
    parties = {p.id: p for p in case.parties}
    return _court_post(case_id, _measure_form(case, formdata=True),
                       lambda case, f: enf.record_measure(case, current_user, kind=f.kind.data,
                                                          party=parties.get(f.party.data), start_on=f.start_on.data,
                                                          end_on=f.end_on.data, reason=f.reason.data),
                       _("The measure is recorded."), "#measures", "measure_form")


@bp.route("/cases/<int:case_id>/interviews", methods=["POST"])
@login_required
def add_interview(case_id):
    return _court_post(case_id, InterviewForm(),
                       lambda case, f: enf.record_interview(case, current_user, held_on=f.held_on.data,
                                                            notes=f.notes.data, conditions=f.conditions.data,
                                                            applicant_view=f.applicant_view.data),
                       _("The interview is recorded."), "#closing", "interview_form")


@bp.route("/cases/<int:case_id>/terminate", methods=["POST"])
@login_required
def terminate(case_id):
    case, ex = _execution_or_404(case_id)
    if not enf.is_court(case, current_user):
        abort(404)
    try:
        enf.terminate(case, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return redirect(url_for(".case", case_id=case.id) + "#closing")
    db.session.commit()
    flash(_("This round of enforcement is terminated; the ruling was served to both sides."), "success")
    return redirect(url_for(".case", case_id=case.id))


# --------------------------------------------------------------------------- the judge's view

@bp.route("/")
@login_required
def dashboard():
    if not current_user.is_staff:
        abort(404)
    court_id = current_user.court_id
    rows = [(ex, enf.totals(ex)) for ex in enf.open_cases(court_id)]
    return render("enforcement/dashboard.html", rows=rows, clues=enf.clues_awaiting(court_id),
                  overdue=enf.overdue_items(court_id), **LABELS)
