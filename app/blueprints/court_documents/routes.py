"""Court documents (裁判文书): the judge drafts from a template and signs, the clerk countersigns and the
document is sealed, served by e-service, and takes effect (生效证明)."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404, load_or_404, refusals, send_stored
from app.blueprints.court_documents.forms import ActionForm, DraftForm, EditForm, SignForm
from app.extensions import db
from app.htmx import render
from app.models import CourtDocument
from app.models.court_document import RULING_TYPES
from app.services import court_documents as svc

bp = Blueprint("court_documents", __name__)


def _doc(doc_id):
    return load_or_404(CourtDocument, doc_id)


def _show_url(doc_id, **_):
    return url_for("court_documents.show", doc_id=doc_id)


def _list_url(case_id, **_):
    return url_for("court_documents.index", case_id=case_id)


def _check(form):
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return False
    return True


@bp.route("/cases/<int:case_id>/court-documents")
@login_required
def index(case_id):
    case = case_or_404(case_id)
    return render("court_documents/index.html", case=case, docs=svc.documents_of(case, current_user),
                  can_draft=svc.can_draft(case, current_user), ruling_types=RULING_TYPES)


@bp.route("/cases/<int:case_id>/court-documents/new", methods=["GET", "POST"])
@login_required
@refusals(_list_url)
def new(case_id):
    case = case_or_404(case_id)
    if not svc.can_draft(case, current_user):
        abort(404)
    kind = request.args.get("kind", "judgment")
    ruling = request.args.get("ruling") if kind == "ruling" else None
    if kind not in svc.TITLES or (kind == "ruling" and ruling not in RULING_TYPES):
        abort(404)
    form = DraftForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render("court_documents/new.html", case=case, form=form, kind=kind, ruling=ruling,
                      status=400 if request.method == "POST" else 200)
    try:
        doc = svc.draft(case, current_user, kind, ruling, defence=form.defence.data or "",
                        findings=form.findings.data or "", reasoning=form.reasoning.data or "",
                        orders=form.orders.data or "", fee_burden=form.fee_burden.data or "",
                        reasons=form.reasons.data or "", amount=form.amount.data or "")
    except svc.EmptyDocument as exc:
        db.session.rollback()
        form.orders.errors = [_(exc.message)]
        return render("court_documents/new.html", case=case, form=form, kind=kind, ruling=ruling, status=400)
    db.session.commit()
    flash(_("Draft saved. Read it, then sign."), "success")
    return redirect(url_for(".show", doc_id=doc.id))


@bp.route("/court-documents/<int:doc_id>")
@login_required
def show(doc_id):
    doc = _doc(doc_id)
    case = doc.case
    return render("court_documents/show.html", doc=doc, case=case, judge=svc.can_draft(case, current_user),
                  clerk=svc._clerk(case, current_user), staff=bool(current_user.is_staff),
                  edit_form=EditForm(formdata=None, revision=doc.revision, text="\n".join(doc.paragraphs)),
                  sign_form=SignForm(formdata=None, doc_hash=doc.content_hash if doc.state == "signed"
                                     else svc.current_hash(doc)),
                  action_form=ActionForm(), services=svc.services_of(doc), effective_on=svc.effective_on(doc),
                  party_lines=[svc.party_line(p) for p in case.parties])


@bp.route("/court-documents/<int:doc_id>/edit", methods=["POST"])
@login_required
@refusals(_show_url)
def edit(doc_id):
    doc = _doc(doc_id)
    form = EditForm()
    if _check(form):
        svc.update_draft(doc, current_user, form.text.data, expect_revision=form.revision.data or None)
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(_show_url(doc_id))


@bp.route("/court-documents/<int:doc_id>/sign", methods=["POST"])
@login_required
@refusals(_show_url)
def sign(doc_id):
    doc = _doc(doc_id)
    form = SignForm()
    if _check(form):
        svc.sign_as_judge(doc, current_user, form.doc_hash.data)
        db.session.commit()
        flash(_("Signed. The clerk countersigns next; then it is sealed."), "success")
    return redirect(_show_url(doc_id))


@bp.route("/court-documents/<int:doc_id>/reopen", methods=["POST"])
@login_required
@refusals(_show_url)
def reopen(doc_id):
    doc = _doc(doc_id)
    if _check(ActionForm()):
        svc.reopen(doc, current_user)
        db.session.commit()
    return redirect(_show_url(doc_id))


@bp.route("/court-documents/<int:doc_id>/countersign", methods=["POST"])
@login_required
@refusals(_show_url)
def countersign(doc_id):
    doc = _doc(doc_id)
    form = SignForm()
    if _check(form):
        svc.countersign_and_issue(doc, current_user, form.doc_hash.data, ground=form.ground.data or None)
        db.session.commit()
        flash(_("Countersigned and sealed. Serve it to the parties."), "success")
    return redirect(_show_url(doc_id))


@bp.route("/court-documents/<int:doc_id>/serve", methods=["POST"])
@login_required
@refusals(_show_url)
def serve(doc_id):
    doc = _doc(doc_id)
    if _check(ActionForm()):
        served, paper = svc.serve(doc, current_user)
        db.session.commit()
        flash(_("Served electronically to %(n)s parties.", n=len(served)), "success")
        if paper:
            flash(_("Serve on paper to: %(names)s", names="、".join(p.name for p in paper)), "info")
    return redirect(_show_url(doc_id))


@bp.route("/court-documents/<int:doc_id>/effect", methods=["POST"])
@login_required
@refusals(_show_url)
def effect(doc_id):
    doc = _doc(doc_id)
    if not current_user.is_staff:
        abort(404)
    if _check(ActionForm()):
        if svc.make_effective(doc):
            db.session.commit()
            flash(_("The document has taken effect; the certificate of effect is filed."), "success")
        else:
            db.session.rollback()
            flash(_("Not effective yet."), "info")
    return redirect(_show_url(doc_id))


@bp.route("/court-documents/<int:doc_id>/document.pdf")
@login_required
def pdf(doc_id):
    doc = _doc(doc_id)
    if doc.file is None:
        abort(404)
    return send_stored(doc.file)


@bp.route("/court-documents/<int:doc_id>/certificate.pdf")
@login_required
def certificate(doc_id):
    doc = _doc(doc_id)
    if doc.certificate_file is None:
        abort(404)
    return send_stored(doc.certificate_file)
