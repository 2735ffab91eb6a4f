"""Online filing (网上立案) for litigants and lawyers: /filings/... Thin: load, check, call, commit."""
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from app.blueprints import flash_refusal, load_or_404, refusals, send_stored
from app.blueprints.filing.forms import (AttachmentForm, DetailsForm, JoinForm, PartyForm, ResubmitForm,
                                         RevisionForm, StartForm)
from app.blueprints.identity.gate import face_check_redirect, face_check_required, needs_face_check
from app.extensions import db, limiter
from app.forms import as_id
from app.htmx import render
from app.idempotent import once
from app.labels import KIND_LABELS
from app.models import Case, CaseEvent, CaseParty, Hearing
from app.models.filing import FilingAttachment
from app.services import filing as svc
from app.services.errors import DomainError
from app.services.storage import UploadRefused

bp = Blueprint("filing", __name__)
audit = logging.getLogger("microcourt.audit")

def back(case, anchor=None):
    return redirect(url_for("filing.show", ref=case.filing_ref, _anchor=anchor))


def back_to(anchor=None):
    """Where a refusal goes back to (`@refusals`): the filing page, at the part that was being edited."""
    return lambda ref, **_kw: url_for("filing.show", ref=ref, _anchor=anchor)


def page(case, status=200, **forms):
    """The filing page: status, correction notice, the editable parts when editable, and its history."""
    editable = case.is_filer(current_user) and case.state in svc.EDITABLE
    rev = {"revision": case.revision}
    details = forms.get("details") or DetailsForm(formdata=None, data={**rev, "kind": case.kind, "title": case.title,
                                                        "claims": case.claims, "facts": case.facts,
                                                        "amount": case.amount})
    details.kind.choices = [(k, KIND_LABELS.get(k, k)) for k in current_app.config["FILING_KINDS"]]
    roles = [svc.own_role(case.kind), svc.other_role(case.kind), "third_party"]
    party_form = forms.get("party") or PartyForm(formdata=None, data={**rev, "role": svc.other_role(case.kind)})
    party_form.fill(roles)
    editing = None
    if request.args.get("party", type=as_id):
        editing = next((p for p in case.parties if p.id == request.args.get("party", type=as_id)), None)
    edit_party = forms.get("edit_party") or (PartyForm(formdata=None, obj=editing, data=rev).fill(roles) if editing else None)
    replacing = None
    if request.args.get("replace", type=as_id):
        replacing = db.session.get(FilingAttachment, request.args.get("replace", type=as_id))
        replacing = replacing if replacing and replacing.case_id == case.id and replacing.current else None
    att_form = forms.get("attachment") or AttachmentForm(formdata=None, data={
        **rev, "role": replacing.role if replacing else request.args.get("role") or "evidence",
        "replaces": replacing.id if replacing else ""})
    req = svc.open_correction(case)
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.seq.desc())).all()
    # A hearing's events (exhibit names, who said what) only for those who may see that hearing.
    hidden = {h.id for h in db.session.scalars(select(Hearing).where(Hearing.case_id == case.id))
              if not h.can_view(current_user)}
    events = [e for e in events if (e.data or {}).get("hearing_id") not in hidden] if hidden else events
    return render("filing/show.html", "filing/_filing.html", status=status, case=case, editable=editable,
                  details=details, party_form=party_form, edit_party=edit_party, editing=editing,
                  att_form=att_form, replacing=replacing, action_form=forms.get("action") or RevisionForm(formdata=None, data=rev),
                  resubmit_form=forms.get("resubmit") or ResubmitForm(formdata=None, data=rev), correction=req,
                  attachments=svc.current_attachments(case), all_attachments=svc.all_attachments(case),
                  required=svc.required_roles(case),
                  problems=svc.problems(case) if editable else [], versions=svc.versions(case),
                  corrections=svc.corrections(case), events=events, notice=svc.notice_for(case),
                  joinable=svc.joinable_party(case, current_user), doc_limit=current_app.config["FILING_UPLOAD_MB"])


# --------------------------------------------------------------------------- starting and viewing

@bp.route("/filings/new", methods=["GET", "POST"])
@login_required
@once("filing.new")
def new():
    if current_user.is_staff:
        abort(404)
    form = StartForm().fill(svc.courts(), current_app.config["FILING_KINDS"])
    if form.validate_on_submit():
        court = next((c for c in svc.courts() if c.id == form.court.data), None)
        if court is None:
            abort(404)
        case = svc.start_filing(current_user, court, form.kind.data)
        db.session.commit()
        flash(_("Draft %(ref)s started. It is saved as you go; continue on any device.", ref=case.filing_ref),
              "success")
        return back(case)
    return render_template("filing/new.html", form=form), (400 if request.method == "POST" else 200)


@bp.route("/filings/<ref>")
@login_required
def show(ref):
    case = load_or_404(Case, ref, by="filing_ref")
    if current_user.is_staff:
        return redirect(url_for("review.show", ref=ref))
    return page(case)


# --------------------------------------------------------------------------- editing a draft or a correction

@bp.route("/filings/<ref>/details", methods=["POST"])
@login_required
@refusals(back_to("details"))
def details(ref):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    form = DetailsForm()
    form.kind.choices = [(k, KIND_LABELS.get(k, k)) for k in current_app.config["FILING_KINDS"]]
    if not form.validate_on_submit():
        return page(case, 400, details=form)
    try:
        svc.update_filing(case, current_user, title=form.title.data, claims=form.claims.data, facts=form.facts.data,
                          amount=form.amount.data, kind=form.kind.data, expect_revision=form.revision.data)
    except svc.InvalidAmount as exc:
        db.session.rollback()
        form.amount.errors.append(_(exc.message))
        return page(case, 400, details=form)
    db.session.commit()
    flash(_("Saved."), "success")
    return back(case, "details")


def _party_form(case):
    form = PartyForm()
    return form.fill([svc.own_role(case.kind), svc.other_role(case.kind), "third_party"])


def _party_errors(form, exc):
    """Put a bad identity document, credit code or phone beside its field, and every other bad party
    field too. False for any other refusal."""
    from app.services import parties
    if isinstance(exc, (svc.InvalidIdNumber, parties.InvalidCreditCode, parties.InvalidPassport,
                        parties.InvalidPermit)):
        form.id_number.errors.append(_(exc.message))
    elif isinstance(exc, parties.WrongIdType):
        form.id_type.errors.append(_(exc.message))
    elif isinstance(exc, parties.RepresentativeRequired):
        form.representative_name.errors.append(_(exc.message))
    elif isinstance(exc, svc.InvalidMobile):
        form.phone.errors.append(_(exc.message))
    else:
        return False
    _more_party_errors(form)
    return True


def _more_party_errors(form):
    """The service stops at the first bad field; the person is shown every bad field at once."""
    from app.services import parties
    checks = ((form.id_number, lambda: parties.check_identity(form.party_type.data or "person",
                                                              form.id_type.data or None, form.id_number.data)),
              (form.phone, lambda: parties.check_phone(form.phone.data)))
    for fld, check in checks:
        try:
            check()
        except DomainError as exc:
            msg = _(exc.message, **exc.params)
            if msg not in fld.errors:
                fld.errors = list(fld.errors) + [msg]


def _details_with_party(case):
    """The filing page posts its details with "Add party" (one form): save them first, so nothing
    typed is lost. Returns the details form (with errors, if any) or None when none were posted."""
    if "title" not in request.form:
        return None
    form = DetailsForm()
    form.kind.choices = [(k, KIND_LABELS.get(k, k)) for k in current_app.config["FILING_KINDS"]]
    if form.validate():
        try:
            svc.update_filing(case, current_user, title=form.title.data, claims=form.claims.data,
                              facts=form.facts.data, amount=form.amount.data, kind=form.kind.data,
                              expect_revision=form.revision.data)
        except svc.InvalidAmount as exc:
            form.amount.errors.append(_(exc.message))
    return form


@bp.route("/filings/<ref>/parties", methods=["POST"])
@login_required
@refusals(back_to("parties"))
def add_party(ref):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    form = _party_form(case)
    if not form.validate_on_submit():
        _more_party_errors(form)
        return page(case, 400, party=form, details=_posted_details())
    try:
        details = _details_with_party(case)
        if details is not None and details.errors:
            db.session.rollback()
            return page(case, 400, party=form, details=details)
        svc.add_party(case, current_user, role=form.role.data, name=form.name.data, id_number=form.id_number.data,
                      phone=form.phone.data, **form.details(),
                      # the details posted with it already checked (and moved on) the revision
                      expect_revision=None if details is not None else form.revision.data)
    except DomainError as exc:
        if not _party_errors(form, exc):
            raise  # not about a field: @refusals explains it
        db.session.rollback()
        return page(case, 400, party=form, details=_posted_details())
    db.session.commit()
    flash(_("Party added."), "success")
    return back(case, "parties")


def _posted_details():
    """The details as posted (not saved), to show them again beside an error."""
    if "title" not in request.form:
        return None
    form = DetailsForm()
    form.kind.choices = [(k, KIND_LABELS.get(k, k)) for k in current_app.config["FILING_KINDS"]]
    return form


@bp.route("/filings/<ref>/parties/<int:pid>", methods=["POST"])
@login_required
@refusals(back_to("parties"))
def edit_party(ref, pid):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    party = load_or_404(CaseParty, pid, can=lambda p, _user: p.case_id == case.id)
    form = _party_form(case)
    if not form.validate_on_submit():
        return page(case, 400, edit_party=form)
    try:
        svc.update_party(case, current_user, party, name=form.name.data, id_number=form.id_number.data,
                         phone=form.phone.data, expect_revision=form.revision.data, **form.details())
    except DomainError as exc:
        if not _party_errors(form, exc):
            raise
        db.session.rollback()
        return page(case, 400, edit_party=form)
    db.session.commit()
    flash(_("Saved."), "success")
    return back(case, "parties")


@bp.route("/filings/<ref>/parties/<int:pid>/remove", methods=["POST"])
@login_required
@refusals(back_to("parties"))
def remove_party(ref, pid):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    party = load_or_404(CaseParty, pid, can=lambda p, _user: p.case_id == case.id)
    form = RevisionForm()
    if form.validate_on_submit():
        svc.remove_party(case, current_user, party, expect_revision=form.revision.data)
        db.session.commit()
        flash(_("Party removed."), "success")
    return back(case, "parties")


@bp.route("/filings/<ref>/attachments", methods=["POST"])
@login_required
@refusals(back_to("attachments"))
def add_attachment(ref):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    form = AttachmentForm()
    if not form.validate_on_submit():
        return page(case, 400, attachment=form)
    upload = request.files.get("file")
    if not form.by_post.data and (upload is None or not upload.filename):
        form.file.errors.append(_("Choose a file, or tick that it will come by post."))
        return page(case, 400, attachment=form)
    replaces = None
    if as_id(form.replaces.data):
        replaces = db.session.get(FilingAttachment, as_id(form.replaces.data))
    try:
        svc.add_attachment(case, current_user, role=form.role.data, upload=upload, by_post=form.by_post.data,
                           replaces=replaces, note=form.note.data, expect_revision=form.revision.data)
    except UploadRefused as exc:
        db.session.rollback()
        form.file.errors.append(_(exc.message, **exc.params))
        return page(case, exc.status, attachment=form)
    db.session.commit()
    flash(_("Document replaced.") if replaces else _("Document added."), "success")
    return back(case, "attachments")


@bp.route("/filings/<ref>/attachments/<int:aid>/remove", methods=["POST"])
@login_required
@refusals(back_to("attachments"))
def remove_attachment(ref, aid):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    att = load_or_404(FilingAttachment, aid, can=lambda a, _user: a.case_id == case.id)
    form = RevisionForm()
    if form.validate_on_submit():
        svc.remove_attachment(case, current_user, att, expect_revision=form.revision.data)
        db.session.commit()
        flash(_("Document removed. It stays in the history."), "success")
    return back(case, "attachments")


@bp.route("/filings/<ref>/files/<int:aid>")
@login_required
def file(ref, aid):
    case = load_or_404(Case, ref, by="filing_ref")
    att = load_or_404(FilingAttachment, aid, can=lambda a, _user: a.case_id == case.id)
    if att.stored is None or (current_user.is_staff and case.state == "draft"):
        abort(404)
    return send_stored(att.stored)


# --------------------------------------------------------------------------- transitions

@bp.route("/filings/<ref>/submit", methods=["POST"])
@login_required
@refusals(back_to())
def submit(ref):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    if needs_face_check(current_user):  # come back to the page, not to this POST
        return face_check_redirect(url_for("filing.show", ref=ref))
    form = RevisionForm()
    if not form.validate_on_submit():
        return back(case)
    try:
        svc.submit(case, current_user, expect_revision=form.revision.data)
    except svc.AlreadySubmitted:
        db.session.rollback()
        flash(_("This filing has already been submitted."), "info")
        return back(case)
    db.session.commit()
    flash(_("Submitted. The court decides within %(days)s days; you will get an SMS.",
            days=current_app.config["FILING_REGISTRATION_DAYS"]), "success")
    return back(case)


@bp.route("/filings/<ref>/resubmit", methods=["POST"])
@login_required
@refusals(back_to("correction"))
@once("filing.resubmit")
def resubmit(ref):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    if needs_face_check(current_user):
        return face_check_redirect(url_for("filing.show", ref=ref))
    form = ResubmitForm()
    if not form.validate_on_submit():
        return back(case)
    responses = {k[len("response-"):]: v for k, v in request.form.items() if k.startswith("response-")}
    try:
        svc.resubmit(case, current_user, reply=form.reply.data, responses=responses,
                     expect_revision=form.revision.data)
    except DomainError as exc:
        db.session.rollback()
        if case.state == "resubmitted":
            flash(_("These corrections have already been sent."), "info")
            return back(case, "correction")
        flash_refusal(exc)
        return page(case, 400, resubmit=form)  # the replies typed on each item are shown again
    db.session.commit()
    flash(_("Corrections sent. The court's time limit counts again from tomorrow."), "success")
    return back(case)


@bp.route("/filings/<ref>/withdraw", methods=["POST"])
@login_required
@refusals(back_to())
def withdraw(ref):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    form = RevisionForm()
    if form.validate_on_submit():
        svc.withdraw(case, current_user, expect_revision=form.revision.data)
        db.session.commit()
        flash(_("The filing was withdrawn."), "success")
    return back(case)


@bp.route("/filings/<ref>/copy", methods=["POST"])
@login_required
@refusals(back_to())
@once("filing.copy")
def copy(ref):
    case = load_or_404(Case, ref, can="is_filer", by="filing_ref")
    if not RevisionForm().validate_on_submit():
        return back(case)
    new_case = svc.copy_filing(case, current_user)
    db.session.commit()
    flash(_("A new draft %(ref)s was made from %(old)s. Check it and submit it.", ref=new_case.filing_ref,
            old=case.filing_ref), "success")
    return back(new_case)


# --------------------------------------------------------------------------- after acceptance

@bp.route("/filings/<ref>/notice")
@login_required
def notice(ref):
    case = load_or_404(Case, ref, by="filing_ref")
    return render_template("filing/notice.html", case=case, notice=svc.notice_for(case))


@bp.route("/filings/<ref>/notice.pdf")
@login_required
def notice_pdf(ref):
    case = load_or_404(Case, ref, by="filing_ref")
    row = svc.notice_for(case)
    if row is None:
        abort(404)
    return send_stored(row.stored)


@bp.route("/filings/<ref>/join", methods=["GET"])
@login_required
def join(ref):
    case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
    party = svc.joinable_party(case, current_user) if case else None
    if party is None:
        abort(404)
    return render_template("filing/join.html", case=case, party=party, form=JoinForm())


@bp.route("/filings/<ref>/join", methods=["POST"])
@login_required
@face_check_required
def join_post(ref):
    case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
    party = svc.joinable_party(case, current_user) if case else None
    if party is None:
        abort(404)
    form = JoinForm()
    if not form.validate_on_submit():
        return render_template("filing/join.html", case=case, party=party, form=form), 400
    svc.join_case(case, current_user, online=form.online.data == "yes", e_service=form.e_service.data == "yes")
    db.session.commit()
    flash(_("Thank you. You are now linked to case %(number)s.", number=case.case_number), "success")
    return back(case)


@bp.route("/verify/<code>")
@limiter.limit(lambda: current_app.config["LIMIT_VERIFY"])
def verify(code):
    """Public check of any court document's code: title, case number and SHA-256 only, no personal data."""
    from app.services.dossier import find_by_code
    doc = find_by_code(code)
    return render_template("filing/verify.html", doc=doc), (200 if doc else 404)
