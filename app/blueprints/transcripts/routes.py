"""Transcripts (笔录): read, confirm and sign, object, and the judge's addendum; a case's documents page."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import load_or_404, refusals, send_stored, signing_refused
from app.blueprints.identity.gate import face_check_required
from app.blueprints.transcripts.forms import AddendumForm, ConfirmForm, ObjectForm
from app.extensions import db
from app.htmx import render
from app.idempotent import once
from app.models import Case, MediationAgreement, ServiceOfDocument, Transcript, TranscriptVersion
from app.services import signatures, transcripts

bp = Blueprint("transcripts", __name__)


def _page(t, status=200, confirm_form=None, object_form=None, addendum_form=None):
    draft = t.current_draft
    answers = transcripts.answers_for(t, draft) if draft else {}
    signer_ids = transcripts.signer_ids(t)
    mine = answers.get(current_user.id)
    if draft is not None:
        confirm_form = confirm_form or ConfirmForm(doc_hash=draft.content_hash)
        object_form = object_form or ObjectForm(doc_hash=draft.content_hash)
    return render("transcripts/show.html", t=t, draft=draft, answers=answers, mine=mine,
                  is_signer=current_user.id in signer_ids, signers=transcripts.build(t.case, t.hearing_id)["signers"],
                  can_amend=t.can_amend(current_user), confirm_form=confirm_form,
                  object_form=object_form, addendum_form=addendum_form or AddendumForm(),
                  has_signature=signatures.current_signature(current_user) is not None, status=status)


@bp.route("/transcripts/<int:transcript_id>")
@login_required
def show(transcript_id):
    return _page(load_or_404(Transcript, transcript_id))


@bp.route("/transcripts/<int:transcript_id>/versions/<int:version_id>.pdf")
@login_required
def download(transcript_id, version_id):
    t = load_or_404(Transcript, transcript_id)
    v = db.session.get(TranscriptVersion, version_id)
    if v is None or v.transcript_id != t.id:
        abort(404)
    return send_stored(v.file)


@bp.route("/transcripts/<int:transcript_id>/confirm", methods=["GET", "POST"])
@login_required
@face_check_required
def confirm(transcript_id):
    t = load_or_404(Transcript, transcript_id)
    form = ConfirmForm()
    if not form.is_submitted():  # back from the face check: show the page with the confirm step
        return redirect(url_for(".show", transcript_id=t.id))
    if not form.validate():
        return _page(t, 400, confirm_form=form)
    back = url_for(".show", transcript_id=t.id)
    refusal = signing_refused(lambda: transcripts.confirm(t, current_user, current_user.session_row,
                                                          form.doc_hash.data), back)
    if refusal:
        return refusal
    db.session.commit()
    flash(_("You have confirmed and signed the transcript."), "success")
    return redirect(url_for(".show", transcript_id=t.id))


@bp.route("/transcripts/<int:transcript_id>/object", methods=["POST"])
@login_required
@refusals(".show")
def object_to(transcript_id):
    t = load_or_404(Transcript, transcript_id)
    form = ObjectForm()
    if not form.validate_on_submit():
        return _page(t, 400, object_form=form)
    transcripts.object_to(t, current_user, form.doc_hash.data, form.comment.data)
    db.session.commit()
    flash(_("Your objection was sent to the judge. You will get a new version to read."), "success")
    return redirect(url_for(".show", transcript_id=t.id))


@bp.route("/transcripts/<int:transcript_id>/addendum", methods=["POST"])
@login_required
@refusals(".show")
@once("transcript.addendum")
def addendum(transcript_id):
    t = load_or_404(Transcript, transcript_id)
    if not t.can_amend(current_user):
        abort(404)
    form = AddendumForm()
    if not form.validate_on_submit():
        return _page(t, 400, addendum_form=form)
    transcripts.add_addendum(t, current_user, form.text.data)
    db.session.commit()
    flash(_("The correction was added; the parties are asked to confirm the new version."), "success")
    return redirect(url_for(".show", transcript_id=t.id))


@bp.route("/cases/<int:case_id>/documents")
@login_required
def case_documents(case_id):
    case = db.session.get(Case, case_id)
    if case is None or not case.can_view(current_user):
        abort(404)
    from sqlalchemy import select
    rows = dict(
        transcripts=db.session.scalars(select(Transcript).where(Transcript.case_id == case.id).order_by(Transcript.id)).all(),
        agreements=db.session.scalars(select(MediationAgreement).where(MediationAgreement.case_id == case.id)
                                      .order_by(MediationAgreement.id)).all(),
        services=db.session.scalars(select(ServiceOfDocument).where(ServiceOfDocument.case_id == case.id)
                                    .order_by(ServiceOfDocument.id)).all())
    # A party sees what was served to them, not to the other side; only the hearings they took part in.
    rows["services"] = [s for s in rows["services"] if s.can_view(current_user)]
    rows["transcripts"] = [t for t in rows["transcripts"] if t.can_view(current_user)]
    rows["agreements"] = [a for a in rows["agreements"] if a.can_view(current_user)]
    return render("transcripts/case_documents.html", case=case, staff=case.can_review(current_user),
                  can_draft=case.can_run(current_user), **rows)
