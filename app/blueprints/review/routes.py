"""The court's filing review (立案审查): a queue, one page per filing, and the three decisions."""
import logging

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from app.blueprints import load_or_404
from app.blueprints.review.forms import ClerkUploadForm, CorrectionForm, DecisionForm, RejectForm
from app.extensions import db
from app.forms import as_id
from app.htmx import render
from app.labels import STATE_LABELS
from app.models import Case, CaseEvent
from app.models.filing import FilingAttachment
from app.services import court_time, filing as svc
from app.services.errors import DomainError
from app.services.storage import UploadRefused

bp = Blueprint("review", __name__, url_prefix="/review")
audit = logging.getLogger("microcourt.audit")
FIELD_LABELS = {"kind": _l("Kind of case"), "title": _l("Title"), "claims": _l("Claims"),
                "facts": _l("Facts and reasons"), "amount": _l("Amount in dispute (yuan)")}


@bp.app_template_filter("field_label")
def field_label(name):
    return FIELD_LABELS.get(name, name)


def staff_only():
    if not current_user.is_staff:
        abort(404)


def _reviewable(case, user):
    """Staff of the case's court review a filing once submitted; a draft is the filer's alone."""
    return case.can_review(user) and case.state != "draft"


@bp.route("/")
@login_required
def queue():
    staff_only()
    kind = request.args.get("kind") or None
    state = request.args.get("state") or None
    days = request.args.get("days", "")
    min_days = as_id(days)
    cases = svc.review_queue(current_user.court_id, kind=kind, state=state,
                             min_days=min(min_days, 36_500) if min_days else None)
    return render("review/queue.html", "review/_queue.html", cases=cases, kind=kind, state=state, days=days,
                  kinds=current_app.config["FILING_KINDS"], days_waiting=svc.days_waiting)


def correction_rows(case):
    """The service's correction checklist (`filing.correction_targets`), with the fields' labels."""
    return [(target, kind, FIELD_LABELS.get(what, what) if target.startswith("field:") else what, value)
            for target, kind, what, value in svc.correction_targets(case)]


def page(case, status=200, **forms):
    vs = svc.versions(case)
    changes = svc.diff(vs[-2].snapshot, vs[-1].snapshot) if len(vs) > 1 else None
    rev = {"revision": case.revision}
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.seq.desc())).all()
    return render("review/show.html", "review/_filing.html", status=status, case=case, versions=vs,
                  changes=changes, attachments=svc.current_attachments(case), all_attachments=svc.all_attachments(case),
                  corrections=svc.corrections(case), open_request=svc.open_correction(case), events=events,
                  accept_form=DecisionForm(formdata=None, data=rev),
                  reject_form=forms.get("reject") or RejectForm(formdata=None, data=rev),
                  correction_form=forms.get("correction") or CorrectionForm(
                      formdata=None, data={**rev, "days": current_app.config["FILING_CORRECTION_DAYS"]}),
                  upload_form=ClerkUploadForm(formdata=None), rows=correction_rows(case),
                  posted=request.form if request.method == "POST" else {},
                  status_rows=svc.online_status(case) if case.case_number else [],
                  notice=svc.notice_for(case), days_waiting=svc.days_waiting(case))


@bp.route("/<ref>")
@login_required
def show(ref):
    staff_only()
    return page(load_or_404(Case, ref, can=_reviewable, by="filing_ref"))


def decided(case, exc):
    db.session.rollback()
    if isinstance(exc, svc.AlreadyDecided) and "name" in exc.params:
        flash(_(exc.message, **exc.params), "error")  # "already decided by NAME at TIME"
    elif isinstance(exc, svc.AlreadyDecided):
        db.session.refresh(case)
        flash(_("A colleague has already decided this filing (%(state)s); nothing was changed.",
                state=STATE_LABELS.get(case.state, case.state)), "error")
    else:
        flash(_(exc.message, **exc.params), "error")
    return redirect(url_for("review.show", ref=case.filing_ref))


@bp.route("/<ref>/accept", methods=["POST"])
@login_required
def accept(ref):
    staff_only()
    case = load_or_404(Case, ref, can=_reviewable, by="filing_ref")
    form = DecisionForm()
    if not form.validate_on_submit():
        return page(case, 400)
    try:
        number = svc.accept(case, current_user, expect_revision=form.revision.data)
    except DomainError as exc:
        return decided(case, exc)
    db.session.commit()
    flash(_("Accepted as %(number)s. The notice is being made and the filer gets an SMS.", number=number),
          "success")
    return redirect(url_for("review.show", ref=ref))


@bp.route("/<ref>/correction", methods=["POST"])
@login_required
def correction(ref):
    staff_only()
    case = load_or_404(Case, ref, can=_reviewable, by="filing_ref")
    form = CorrectionForm()
    if not form.validate_on_submit():
        return page(case, 400, correction=form)
    items = [{"kind": kind, "target": target, "note": request.form.get(f"note-{target}", "")}
             for target, kind, _label, _value in correction_rows(case)]
    items += [{"kind": "other", "target": "", "note": request.form.get(f"other-{n}", "")} for n in (1, 2, 3)]
    try:
        req = svc.request_correction(case, current_user, items, form.days.data, note=form.note.data,
                                     expect_revision=form.revision.data)
    except svc.NoCorrectionItems as exc:
        db.session.rollback()
        form.days.errors.append(_(exc.message))
        return page(case, 400, correction=form)
    except DomainError as exc:
        return decided(case, exc)
    db.session.commit()
    flash(_("Correction request sent: %(n)s items, %(deadline)s.", n=len(req.items),
            deadline=court_time.format_deadline(req.deadline)), "success")
    return redirect(url_for("review.show", ref=ref))


@bp.route("/<ref>/reject", methods=["POST"])
@login_required
def reject(ref):
    staff_only()
    case = load_or_404(Case, ref, can=_reviewable, by="filing_ref")
    form = RejectForm()
    if not form.validate_on_submit():
        return page(case, 400, reject=form)
    try:
        svc.reject(case, current_user, form.reasons.data, expect_revision=form.revision.data)
    except DomainError as exc:
        return decided(case, exc)
    db.session.commit()
    flash(_("The filing was not accepted; the filer gets an SMS with the reasons."), "success")
    return redirect(url_for("review.show", ref=ref))


@bp.route("/<ref>/attachments/<int:aid>/upload", methods=["POST"])
@login_required
def upload(ref, aid):
    staff_only()
    case = load_or_404(Case, ref, can=_reviewable, by="filing_ref")
    att = load_or_404(FilingAttachment, aid, can=lambda a, _user: a.case_id == case.id)
    form = ClerkUploadForm()
    file = request.files.get("file")
    if not form.validate_on_submit() or file is None or not file.filename:
        flash(_("Choose the scanned file."), "error")
        return redirect(url_for("review.show", ref=ref))
    try:
        svc.clerk_upload(case, current_user, att, file)
    except (UploadRefused, DomainError) as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return redirect(url_for("review.show", ref=ref))
    db.session.commit()
    flash(_("Uploaded for the party; recorded as done by you."), "success")
    return redirect(url_for("review.show", ref=ref))
