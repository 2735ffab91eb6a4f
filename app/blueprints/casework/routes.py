"""Around a case, outside hearings: the case channel (联系法官) and applications to the court (申请)."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404, load_or_404, refusals
from app.blueprints.casework.forms import ActionForm, ApplicationForm, DecisionForm, MessageForm
from app.extensions import db
from app.htmx import render
from app.models import CaseParty, Hearing
from app.models.case_extras import CaseApplication, CaseMessage
from app.services import applications, case_channel, court_documents, hearings

bp = Blueprint("casework", __name__)


def _channel_url(case_id, **_):
    return url_for("casework.channel", case_id=case_id)


def _applications_url(case_id, **_):
    return url_for("casework.applications_page", case_id=case_id)


def _channel_case(case_id):
    case = case_or_404(case_id)
    if not case_channel.can_use(case, current_user):
        abort(404)
    return case


def _channel_page(case, form=None, status=200):
    return render("casework/channel.html", case=case, messages=case_channel.messages(case),
                  form=form or MessageForm(formdata=None), action_form=ActionForm(),
                  staff=bool(current_user.is_staff), status=status)


@bp.route("/cases/<int:case_id>/channel")
@login_required
def channel(case_id):
    return _channel_page(_channel_case(case_id))


@bp.route("/cases/<int:case_id>/channel", methods=["POST"])
@login_required
@refusals(_channel_url)
def post_message(case_id):
    case = _channel_case(case_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _channel_page(case, form, 400)
    case_channel.post(case, current_user, form.body.data, form.key.data)
    db.session.commit()
    flash(_("Sent."), "success")
    return redirect(_channel_url(case_id))


@bp.route("/cases/<int:case_id>/channel/<int:message_id>/court-answer", methods=["POST"])
@login_required
@refusals(_channel_url)
def court_answer(case_id, message_id):
    case = _channel_case(case_id)
    msg = load_or_404(CaseMessage, message_id, can=None)
    if msg.case_id != case.id or not ActionForm().validate_on_submit():
        abort(404)
    case_channel.mark_court_answer(msg, current_user)
    db.session.commit()
    flash(_("Marked as the court's answer; the parties were told by SMS."), "success")
    return redirect(_channel_url(case_id))


def _applications_page(case, form=None, status=200):
    party = None if current_user.is_staff else case.party_for(current_user)
    judge = court_documents.can_draft(case, current_user)
    return render("casework/applications.html", case=case, rows=applications.of_case(case), party=party,
                  form=form or ApplicationForm(formdata=None), decision_form=DecisionForm(formdata=None),
                  judge=judge, withdrawals=hearings.pending_withdrawals(case) if current_user.is_staff else [],
                  status=status)


@bp.route("/cases/<int:case_id>/applications")
@login_required
def applications_page(case_id):
    return _applications_page(case_or_404(case_id))


@bp.route("/cases/<int:case_id>/applications", methods=["POST"])
@login_required
@refusals(_applications_url)
def apply(case_id):
    case = case_or_404(case_id)
    form = ApplicationForm()
    if not form.validate_on_submit():
        return _applications_page(case, form, 400)
    try:
        applications.apply(case, current_user, form.kind.data, form.reason.data, form.key.data, **form.details())
    except applications.MissingDetail as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, _(exc.message, what=_(exc.params["what"]))]
        return _applications_page(case, form, 400)
    db.session.commit()
    flash(_("Your application was sent to the court."), "success")
    return redirect(_applications_url(case_id))


@bp.route("/cases/<int:case_id>/applications/<int:application_id>/decision", methods=["POST"])
@login_required
@refusals(_applications_url)
def decide(case_id, application_id):
    case = case_or_404(case_id)
    row = load_or_404(CaseApplication, application_id, can=None)
    if row.case_id != case.id:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _applications_page(case, status=400)
    ruling = applications.decide(row, current_user, form.decision.data == "grant", form.reasons.data)
    db.session.commit()
    flash(_("Decision recorded and served."), "success")
    if ruling is not None:
        return redirect(url_for("court_documents.show", doc_id=ruling.id))
    return redirect(_applications_url(case_id))


@bp.route("/cases/<int:case_id>/hearings/<int:hid>/consent-withdrawals/<int:party_id>/<scope>", methods=["POST"])
@login_required
@refusals(_applications_url)
def decide_withdrawal(case_id, hid, party_id, scope):
    """The judge reviews a party's withdrawal of consent (Online Litigation Rules art. 5)."""
    case = case_or_404(case_id)
    hearing = load_or_404(Hearing, hid, can=None)
    party = load_or_404(CaseParty, party_id, can=None)
    if hearing.case_id != case.id or party.case_id != case.id:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _applications_page(case, status=400)
    hearings.decide_consent_withdrawal(hearing, current_user, party, scope, form.decision.data == "grant",
                                       form.reasons.data)
    db.session.commit()
    flash(_("Decision recorded."), "success")
    return redirect(_applications_url(case_id))


@bp.app_template_filter("transcript_countersignatures")
def _transcript_countersignatures(transcript):
    from app.services import transcripts
    return transcripts.countersignatures(transcript)


@bp.app_template_filter("can_countersign")
def _can_countersign(transcript):
    from app.services import transcripts
    return transcripts.can_countersign(transcript, current_user)


@bp.route("/transcripts/<int:transcript_id>/countersign", methods=["POST"])
@login_required
@refusals(lambda transcript_id, **_: url_for("transcripts.show", transcript_id=transcript_id))
def countersign_transcript(transcript_id):
    """The judge and the clerk sign the transcript after the parties (Online Litigation Rules art. 33/34)."""
    from app.models import Transcript
    from app.services import transcripts
    t = load_or_404(Transcript, transcript_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    transcripts.countersign(t, current_user, request.form.get("doc_hash", ""))
    db.session.commit()
    flash(_("Countersigned."), "success")
    return redirect(url_for("transcripts.show", transcript_id=t.id))
