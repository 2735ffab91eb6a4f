"""Court fees (诉讼费): the case's fee page, paying online, the gateway's callback, the finance clerk's
receipt, relief applications and the judge's decision."""
import logging

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404, load_or_404, refusals, send_stored
from app.blueprints.fees.forms import ActionForm, ClerkPaymentForm, DecideReliefForm, ReliefForm
from app.extensions import csrf, db
from app.htmx import render
from app.models import CourtFee, FeeRelief
from app.services import fees, lifecycle, payments
from app.services.errors import DomainError

bp = Blueprint("fees", __name__)
audit = logging.getLogger("microcourt.audit")


def _fee(case_id, fee_id):
    case = case_or_404(case_id)
    fee = load_or_404(CourtFee, fee_id, can=None)
    if fee.case_id != case.id:
        abort(404)
    return case, fee


def _back(case_id, **_):
    return url_for("fees.case_fees", case_id=case_id)


@bp.route("/cases/<int:case_id>/fees")
@login_required
def case_fees(case_id):
    case = case_or_404(case_id)
    fee = fees.fee_for(case)
    staff = lifecycle.may_act(case, current_user, ("court",))
    resp = render("fees/case.html", case=case, fee=fee, can_pay=bool(fee and fees.can_pay(fee, current_user)),
                  staff=staff, judge=lifecycle.may_act(case, current_user, ("judge",)),
                  overdue=bool(fee and fees.is_overdue(fee)), pending=fees.pending_relief(fee) if fee else None,
                  online=payments.configured_gateway() is not None, action_form=ActionForm(),
                  relief_form=ReliefForm(), decide_form=DecideReliefForm(), clerk_form=ClerkPaymentForm())
    return _allow_gateway(resp)


def _allow_gateway(resp):
    """The pay form is answered by a redirect to the gateway: its origin joins the CSP's form-action."""
    from urllib.parse import urlsplit

    from app.web import CSP
    url = current_app.config.get("PAYMENT_GATEWAY_URL") if payments.configured_gateway() else None
    if url:
        parts = urlsplit(url)
        resp.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")
    return resp


@bp.route("/cases/<int:case_id>/fees/<int:fee_id>/notice.pdf")
@login_required
def notice(case_id, fee_id):
    case, fee = _fee(case_id, fee_id)
    if fee.notice_file is None:
        abort(404)
    return send_stored(fee.notice_file)


@bp.route("/cases/<int:case_id>/fees/<int:fee_id>/pay", methods=["POST"])
@login_required
@refusals(_back)
def pay(case_id, fee_id):
    case, fee = _fee(case_id, fee_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(_back(case_id))
    order = fees.start_online_payment(fee, current_user, payments.configured_gateway(),
                                      return_url=url_for("fees.case_fees", case_id=case.id, _external=True))
    db.session.commit()
    return redirect(order.pay_url)


@bp.route("/fees/callback", methods=["POST"])
@csrf.exempt  # the gateway signs its callbacks (HMAC) instead
def callback():
    gateway = payments.configured_gateway()
    if gateway is None:
        return jsonify(ok=False, error="no gateway"), 404
    body = request.get_data(cache=False, as_text=False)
    try:
        payment, new = fees.record_gateway_payment(gateway, body, request.headers.get(payments.SIGNATURE_HEADER, ""))
    except DomainError as exc:
        db.session.rollback()
        audit.warning("fee callback refused: %s from %s", type(exc).__name__, request.remote_addr)
        return jsonify(ok=False, error=type(exc).__name__), exc.status
    db.session.commit()
    return jsonify(ok=True, payment=payment.reference, duplicate=not new)


@bp.route("/cases/<int:case_id>/fees/<int:fee_id>/receipt", methods=["POST"])
@login_required
@refusals(_back)
def receipt(case_id, fee_id):
    case, fee = _fee(case_id, fee_id)
    form = ClerkPaymentForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
        return redirect(_back(case_id))
    fees.record_clerk_payment(fee, current_user, form.amount.data, form.reference.data)
    db.session.commit()
    flash(_("Payment recorded."), "success")
    return redirect(_back(case_id))


@bp.route("/cases/<int:case_id>/fees/<int:fee_id>/relief", methods=["POST"])
@login_required
@refusals(_back)
def relief(case_id, fee_id):
    case, fee = _fee(case_id, fee_id)
    form = ReliefForm()
    if not form.validate_on_submit():
        return _page_with(case, fee, relief_form=form)
    fees.apply_for_relief(fee, current_user, form.kind.data, form.reason.data)
    db.session.commit()
    flash(_("Your application was sent to the court."), "success")
    return redirect(_back(case_id))


@bp.route("/cases/<int:case_id>/fees/reliefs/<int:relief_id>", methods=["POST"])
@login_required
@refusals(_back)
def decide(case_id, relief_id):
    case = case_or_404(case_id)
    row = load_or_404(FeeRelief, relief_id, can=None)
    if row.fee.case_id != case.id:
        abort(404)
    form = DecideReliefForm()
    if not form.validate_on_submit():
        return _page_with(case, row.fee, decide_form=form)
    fees.decide_relief(row, current_user, form.decision.data == "grant", form.reasons.data,
                       new_amount=form.new_amount.data, new_due_on=form.new_due_on.data)
    db.session.commit()
    flash(_("Decision recorded."), "success")
    return redirect(_back(case_id))


def _page_with(case, fee, **forms):
    kw = dict(case=case, fee=fee, can_pay=fees.can_pay(fee, current_user),
              staff=lifecycle.may_act(case, current_user, ("court",)),
              judge=lifecycle.may_act(case, current_user, ("judge",)), overdue=fees.is_overdue(fee),
              pending=fees.pending_relief(fee), online=payments.configured_gateway() is not None,
              action_form=ActionForm(), relief_form=ReliefForm(formdata=None), decide_form=DecideReliefForm(formdata=None),
              clerk_form=ClerkPaymentForm(formdata=None))
    kw.update(forms)
    return render("fees/case.html", status=400, **kw)
