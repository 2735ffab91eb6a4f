"""Confirm steps for irreversible acts (不可撤销的操作): a page of its own that says what will happen,
with the one button that does it and a way back. Pages link here instead of posting at once, so a
slip of the thumb on a small screen never withdraws a filing or closes a hearing (JavaScript off too).

Each page is a GET that only reads: it checks the same predicate as the act's POST route (an outsider
gets 404) and renders a form that posts to that route, unchanged."""
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.blueprints import load_or_404
from app.extensions import db
from app.models import Case
from app.models.hearing import Hearing, HearingItem


def _page(question, consequence, action, yes, back, fields=None, text=None):
    """`text`: (name, label, value, required) of a text the person wrote on the page before (reasons, a note),
    shown again on this page, still editable, and sent with the act."""
    return render_template("confirm.html", question=question, consequence=consequence, action=action, yes=yes,
                           back=back, fields=fields or {}, text=text)


def _hearing(case_id, hid):
    case = load_or_404(Case, case_id)
    hearing = load_or_404(Hearing, hid)
    if hearing.case_id != case.id:
        abort(404)
    return case, hearing


def _filing(ref):
    case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
    if case is None:
        abort(404)
    return case


def register(bp):
    @bp.route("/cases/<int:case_id>/hearings/<int:hid>/close/confirm")
    @login_required
    def confirm_close_hearing(case_id, hid):
        case, hearing = _hearing(case_id, hid)
        if not hearing.can_run(current_user) or not hearing.is_open:
            abort(404)
        back = url_for("hearings.thread", case_id=case.id, hid=hearing.id)
        return _page(_("End this session of the hearing?"),
                     _("No one can post, answer items or add evidence in it afterwards. The transcript draft is "
                       "made from what was said and sent to everyone to sign. This cannot be undone."),
                     url_for("hearings.close", case_id=case.id, hid=hearing.id), _("End this session"), back)

    @bp.route("/cases/<int:case_id>/hearings/<int:hid>/items/<int:item_id>/close/confirm")
    @login_required
    def confirm_close_item(case_id, hid, item_id):
        case, hearing = _hearing(case_id, hid)
        item = db.session.get(HearingItem, item_id)
        if item is None or item.hearing_id != hearing.id or not hearing.can_run(current_user) or not item.is_open:
            abort(404)
        back = url_for("hearings.item", case_id=case.id, hid=hearing.id, item_id=item.id)
        return _page(_("Close this item?"),
                     _("The parties can no longer answer it or ask for more time. This cannot be undone."),
                     url_for("hearings.close_item", case_id=case.id, hid=hearing.id, item_id=item.id),
                     _("Close the item"), back)

    @bp.route("/cases/<int:case_id>/hearings/<int:hid>/consent/withdraw/confirm")
    @login_required
    def confirm_withdraw_consent(case_id, hid):
        case, hearing = _hearing(case_id, hid)
        p = hearing.participant_for(current_user)
        if p is None or p.party is None or not hearing.is_open:
            abort(404)
        back = url_for("hearings.thread", case_id=case.id, hid=hearing.id)
        return _page(_("Withdraw your consent to this stage online?"),
                     _("Your request goes to the judge, who reviews it and tells you. If it is granted, the stage "
                       "is held offline, at the court, or as a live session; until then it stays online."),
                     url_for("hearings.withdraw", case_id=case.id, hid=hearing.id), _("Ask the judge"), back,
                     text=("reason", _("Why (the judge reviews the request)"), "", False))

    @bp.route("/filings/<ref>/withdraw/confirm")
    @login_required
    def confirm_withdraw_filing(ref):
        case = _filing(ref)
        if not case.is_filer(current_user) or case.state not in ("draft", "submitted", "resubmitted",
                                                                  "needs_correction"):
            abort(404)
        back = url_for("filing.show", ref=case.filing_ref)
        return _page(_("Withdraw this filing?"),
                     _("The court will not decide on it. You can later file again by copying it, but the dates "
                       "of this filing are not kept."),
                     url_for("filing.withdraw", ref=case.filing_ref), _("Withdraw the filing"), back,
                     {"revision": case.revision})

    @bp.route("/review/<ref>/accept/confirm")
    @login_required
    def confirm_accept(ref):
        case = _filing(ref)
        if not case.can_review(current_user) or case.state not in ("submitted", "resubmitted"):
            abort(404)
        back = url_for("review.show", ref=case.filing_ref)
        return _page(_("Accept and register this filing?"),
                     _("The case gets its number, the acceptance notice is issued with the court's seal and the "
                       "parties are told by SMS. This cannot be undone."),
                     url_for("review.accept", ref=case.filing_ref), _("Accept and register"), back,
                     {"revision": case.revision})

    @bp.route("/cases/<int:case_id>/withdraw/grant/confirm")
    @login_required
    def confirm_grant_withdrawal(case_id):
        from app.services import mediation
        case = load_or_404(Case, case_id)
        if not case.can_run(current_user) or not mediation.withdrawal_pending(case):
            abort(404)
        back = url_for("mediation.closing", case_id=case.id)
        return _page(_("Grant the withdrawal of the suit?"),
                     _("The case is closed. This cannot be undone."),
                     url_for("mediation.grant", case_id=case.id), _("Grant the withdrawal and close the case"), back)

    # Acts whose form carries text (reasons, a note): the page's form posts here first. This POST only
    # shows the confirm page with the text kept (it never changes anything); the page posts the act.
    @bp.route("/review/<ref>/reject/confirm", methods=["POST"])
    @login_required
    def confirm_reject(ref):
        case = _filing(ref)
        if not case.can_review(current_user) or case.state not in ("submitted", "resubmitted"):
            abort(404)
        return _page(_("Refuse to accept this filing?"),
                     _("The filer is told by SMS, with your reasons. The filing cannot be accepted afterwards; "
                       "the filer can only file again."),
                     url_for("review.reject", ref=case.filing_ref), _("Do not accept"),
                     url_for("review.show", ref=case.filing_ref, _anchor="decide"),
                     {"revision": request.form.get("revision", case.revision)},
                     ("reasons", _("Reasons for not accepting"), request.form.get("reasons", ""), True))

    @bp.route("/cases/<int:case_id>/withdraw/confirm", methods=["POST"])
    @login_required
    def confirm_withdraw_suit(case_id):
        case = load_or_404(Case, case_id)
        party = case.party_for(current_user) if not current_user.is_staff else None
        if party is None or party.role not in ("plaintiff", "applicant"):
            abort(404)
        return _page(_("Apply to withdraw the suit?"),
                     _("The judge decides on your application. Once the withdrawal is granted the case is closed "
                       "and cannot be reopened."),
                     url_for("mediation.withdraw", case_id=case.id), _("Apply to withdraw the suit"),
                     url_for("mediation.closing", case_id=case.id),
                     text=("note", _("Reason for withdrawing the suit"), request.form.get("note", ""), False))
