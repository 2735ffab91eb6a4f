"""Court fees (诉讼费): what a case costs under 《诉讼费用交纳办法》 (State Council Decree No. 481, 2007),
the payment notice (交费通知书) and its deadline, payments (online through a gateway, or recorded by a
finance clerk), relief (缓交、减交、免交) decided by the court, and the consequence of not paying.

The computation (`acceptance_fee`, `property_fee`, `enforcement_fee`, `preservation_fee`) is pure: Decimal
in, Decimal out, no database. Amounts that each province sets within a band (art. 13(二)-(五)) are court
settings (`COURT_FEES` in the config), checked against the band. Source of the figures:
/work/shared/reference/court-fees.md as written down from the published text (arts. 13, 14, 16, 20-22).
"""
import base64
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import utcnow
from app.models.fees import CourtFee, FeeOrder, FeePayment, FeeRelief, RELIEF_KINDS
from app.services import lifecycle
from app.services.errors import DeadlinePassed, DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.queue import enqueue_after_commit

CENT = Decimal("0.01")
INF = Decimal("Infinity")

# Art. 13(一): property claims, cumulative: (upper bound of the part, rate); the first 10,000 is a flat 50.
PROPERTY_TIERS = ((Decimal(100_000), Decimal("0.025")), (Decimal(200_000), Decimal("0.02")),
                  (Decimal(500_000), Decimal("0.015")), (Decimal(1_000_000), Decimal("0.01")),
                  (Decimal(2_000_000), Decimal("0.009")), (Decimal(5_000_000), Decimal("0.008")),
                  (Decimal(10_000_000), Decimal("0.007")), (Decimal(20_000_000), Decimal("0.006")),
                  (INF, Decimal("0.005")))
# Art. 14(一): enforcement with an amount; the first 10,000 is a flat 50.
ENFORCEMENT_TIERS = ((Decimal(500_000), Decimal("0.015")), (Decimal(5_000_000), Decimal("0.01")),
                     (Decimal(10_000_000), Decimal("0.005")), (INF, Decimal("0.001")))
# Art. 14(二): preservation; the first 1,000 (or no property) is a flat 30; at most 5,000 in all.
PRESERVATION_TIERS = ((Decimal(100_000), Decimal("0.01")), (INF, Decimal("0.005")))

# The bands of art. 13(二)-(五) and 14(一); the court's own figure must lie inside.
BANDS = {
    "divorce": (Decimal(50), Decimal(300)),
    "personality": (Decimal(100), Decimal(500)),
    "non_property": (Decimal(50), Decimal(100)),
    "ip_no_amount": (Decimal(500), Decimal(1000)),
    "enforcement_no_amount": (Decimal(50), Decimal(500)),
    "jurisdiction_objection": (Decimal(50), Decimal(100)),
}
FIXED = {"labour": Decimal(10), "administrative": Decimal(50), "administrative_ip": Decimal(100)}
CLAIM_TYPES = ("property", "divorce", "personality", "non_property", "ip", "labour", "administrative",
               "administrative_ip")
HALVED = ("simplified", "small_claims")


class InvalidFeeSetting(ValueError):
    pass


@dataclass
class Assessment:
    """An amount and the lines that explain it (shown on the notice and the page)."""
    amount: Decimal
    lines: list = field(default_factory=list)


def _money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _tiered(amount, first_upto, first_flat, tiers, lines):
    total, lower = Decimal(first_flat), Decimal(first_upto)
    lines.append(f"不超过{first_upto:,}元的部分：{first_flat}元")
    for upper, rate in tiers:
        if amount <= lower:
            break
        part = min(amount, upper) - lower
        add = part * rate
        total += add
        shown = f"{lower:,}元以上至{upper:,}元" if upper != INF else f"超过{lower:,}元"
        lines.append(f"{shown}的部分{part:,.2f}元 × {(rate * 100).normalize():f}% = {_money(add):,.2f}元")
        lower = upper
    return total


def property_fee(amount, lines=None):
    """Art. 13(一): the acceptance fee for a property claim of `amount` yuan."""
    lines = [] if lines is None else lines
    amount = Decimal(amount)
    if amount < 0:
        raise ValueError("negative amount")
    return _money(_tiered(amount, 10_000, 50, PROPERTY_TIERS, lines))


def enforcement_fee(amount=None, settings=None, lines=None):
    """Art. 14(一): the application fee for enforcement (paid after enforcement, art. 20)."""
    lines = [] if lines is None else lines
    if amount is None:
        value = setting("enforcement_no_amount", settings)
        lines.append(f"没有执行金额：{value}元")
        return _money(value)
    return _money(_tiered(Decimal(amount), 10_000, 50, ENFORCEMENT_TIERS, lines))


def preservation_fee(amount=None, lines=None):
    """Art. 14(二): the application fee for preservation, at most 5,000 yuan."""
    lines = [] if lines is None else lines
    if amount is None or Decimal(amount) <= 1000:
        lines.append("财产数额不超过1,000元或者不涉及财产数额：30元")
        return _money(30)
    total = _tiered(Decimal(amount), 1_000, 30, PRESERVATION_TIERS, lines)
    if total > 5000:
        lines.append("最多不超过5,000元")
    return _money(min(total, Decimal(5000)))


def payment_order_fee(amount):
    """Art. 14(三): a payment order (支付令) costs one third of the property-claim fee."""
    return _money(property_fee(amount) / 3)


def setting(name, settings=None):
    """The court's figure within the band of the rules (config COURT_FEES)."""
    settings = settings if settings is not None else (current_app.config.get("COURT_FEES") or {})
    low, high = BANDS[name]
    value = Decimal(str(settings.get(name, low)))
    if not low <= value <= high:
        raise InvalidFeeSetting(f"{name}={value} is outside {low}-{high} (诉讼费用交纳办法 art. 13/14)")
    return value


def acceptance_fee(claim_type="property", amount=None, procedure="ordinary", *, property_divided=None,
                   damages=None, settings=None):
    """The case acceptance fee (案件受理费, art. 13), halved under the simplified procedure and for small claims
    (art. 16; the small-claims reform applies the same half). Returns an Assessment."""
    if claim_type not in CLAIM_TYPES:
        raise ValueError(claim_type)
    lines = []
    if claim_type == "property" or (claim_type == "ip" and amount is not None):
        if amount is None:
            raise ValueError("a property claim needs its amount")
        lines.append(f"财产案件，请求金额{Decimal(amount):,.2f}元（第十三条第一项）")
        total = property_fee(amount, lines)
    elif claim_type == "ip":
        total = setting("ip_no_amount", settings)
        lines.append(f"知识产权民事案件，没有争议金额：{total}元")
    elif claim_type == "divorce":
        total = setting("divorce", settings)
        lines.append(f"离婚案件：每件{total}元")
        if property_divided is not None and Decimal(property_divided) > 200_000:
            extra = (Decimal(property_divided) - 200_000) * Decimal("0.005")
            lines.append(f"财产分割超过20万元的部分按0.5%：{_money(extra)}元")
            total += extra
    elif claim_type == "personality":
        total = setting("personality", settings)
        lines.append(f"侵害人格权案件：每件{total}元")
        if damages is not None and Decimal(damages) > 50_000:
            d = Decimal(damages)
            extra = (min(d, Decimal(100_000)) - 50_000) * Decimal("0.01")
            if d > 100_000:
                extra += (d - 100_000) * Decimal("0.005")
            lines.append(f"赔偿金额超过5万元的部分：{_money(extra)}元")
            total += extra
    elif claim_type == "non_property":
        total = setting("non_property", settings)
        lines.append(f"其他非财产案件：每件{total}元")
    else:
        total = FIXED[claim_type]
        lines.append({"labour": "劳动争议案件：每件10元", "administrative": "行政案件：每件50元",
                      "administrative_ip": "商标、专利、海事行政案件：每件100元"}[claim_type])
    total = _money(total)
    if procedure in HALVED:
        total = _money(total / 2)
        lines.append("适用简易程序（含小额诉讼程序）审理，减半交纳：" + f"{total}元")
    return Assessment(total, lines)


def claim_type_of(case):
    """What kind of claim a case is, for the fee: from its kind and whether it claims an amount."""
    if case.kind == "administrative":
        return "administrative"
    return "property" if case.amount is not None else "non_property"


# --------------------------------------------------------------------------- errors

class FeeAlreadyPaid(InvalidState):
    message = N_("This fee has already been paid.")


class WrongAmount(DomainError):
    message = N_("The amount does not match the fee due (%(due)s yuan).")


class BadSignature(DomainError):
    status = 400
    message = N_("The payment notice from the gateway could not be verified.")


class UnknownOrder(DomainError):
    status = 404
    message = N_("No payment order with this reference.")


class NoGateway(DomainError):
    message = N_("Online payment is not available at this court; pay at the court's finance office.")


class ReliefPending(InvalidState):
    message = N_("An application to defer, reduce or waive this fee is waiting for the court's decision.")


class NotOverdue(InvalidState):
    message = N_("The fee is not overdue: the case cannot be treated as withdrawn for not paying.")


class ReasonRequired(DomainError):
    message = N_("Give the reasons.")


# --------------------------------------------------------------------------- assessment and notice

def payer(case):
    """The party who pays in advance: the plaintiff (or applicant)."""
    return next((p for p in case.parties if p.role in ("plaintiff", "applicant")), None)


def fee_for(case, kind="acceptance"):
    return db.session.scalar(select(CourtFee).where(CourtFee.case_id == case.id, CourtFee.kind == kind))


def assess_on_acceptance(case, actor=None):
    """On acceptance: the acceptance fee, due 7 days after the notice (art. 22), and the notice job.
    Enforcement cases pay after enforcement (art. 20), so nothing is assessed for them here."""
    from app.services.court_time import today as local_today
    if case.kind == "enforcement" or fee_for(case) is not None:
        return None
    party = payer(case)
    if party is None:
        return None
    assessment = acceptance_fee(claim_type_of(case), case.amount, case.procedure)
    due_on = local_today() + timedelta(days=current_app.config.get("FEE_PAYMENT_DAYS", 7))
    fee = CourtFee(case_id=case.id, party_id=party.id, kind="acceptance", assessed=assessment.amount,
                   amount_due=assessment.amount, basis=assessment.lines, due_on=due_on,
                   state="waived" if assessment.amount == 0 else "due")
    db.session.add(fee)
    db.session.flush()
    record_event(case, actor, "fee_assessed", fee_id=fee.id, amount=str(fee.amount_due), due_on=due_on.isoformat(),
                 basis=assessment.lines, procedure=case.procedure)
    enqueue_after_commit("jobs.fees.make_payment_notice", fee.id, queue="documents", job_id=f"fee-notice-{fee.id}")
    return fee


def reassess(case, actor=None):
    """After the procedure changes (simplified or small claims halve the fee): the fee follows while nothing
    is paid and no relief was granted; otherwise the difference is left to the finance office (an event)."""
    fee = fee_for(case)
    if fee is None or fee.state != "due":
        return None
    assessment = acceptance_fee(claim_type_of(case), case.amount, case.procedure)
    if assessment.amount == fee.assessed:
        return fee
    touched = fee.paid > 0 or fee.amount_due != fee.assessed or any(r.state == "granted" for r in fee.reliefs)
    if touched:
        record_event(case, actor, "fee_reassessment_needed", fee_id=fee.id, assessed=str(fee.assessed),
                     new_assessment=str(assessment.amount), procedure=case.procedure)
        return fee
    fee.assessed = fee.amount_due = assessment.amount
    fee.basis = assessment.lines
    db.session.flush()
    record_event(case, actor, "fee_reassessed", fee_id=fee.id, amount=str(fee.amount_due), procedure=case.procedure,
                 basis=assessment.lines)
    return fee


def notice_data(fee):
    case = fee.case
    return dict(court_name=case.court.name, case_number=case.number, case_title=case.title, payer_name=fee.party.name,
                amount=fee.amount_due, basis=list(fee.basis or []), due_on=fee.due_on, issued_at=fee.created_at,
                pay_url=current_app.config["BASE_URL"].rstrip("/") + f"/cases/{case.id}/fees",
                verification_code=fee.notice_code)


def make_payment_notice(fee_id):
    """Render the 交费通知书 and file it in the dossier. Runs once per fee."""
    from app.services import pdf, storage
    fee = db.session.get(CourtFee, fee_id)
    if fee is None or fee.notice_file_id is not None:
        return None
    db.session.execute(select(CourtFee.id).where(CourtFee.id == fee.id).with_for_update())
    db.session.refresh(fee)
    if fee.notice_file_id is not None:
        return None
    fee.notice_code = base64.b32encode(secrets.token_bytes(10)).decode()[:16]
    stored = storage.save_bytes(pdf.render_payment_notice(notice_data(fee)), name=f"交费通知书{fee.case.number}.pdf",
                                content_type="application/pdf", case=fee.case)
    fee.notice_file_id = stored.id
    db.session.flush()
    record_event(fee.case, None, "document_issued", document="payment_notice", title="交费通知书",
                 stored_file_id=stored.id, sha256=stored.sha256, verification_code=fee.notice_code)
    return stored


# --------------------------------------------------------------------------- paying

def _lock_fee(fee):
    db.session.execute(select(CourtFee).where(CourtFee.id == fee.id).with_for_update()
                       .execution_options(populate_existing=True)).scalar_one()
    return fee


def can_pay(fee, user):
    party = fee.case.party_for(user) if user is not None and not user.is_staff else None
    return party is not None and party.id == fee.party_id


def _settle(fee, payment, actor):
    db.session.add(payment)
    db.session.flush()
    db.session.refresh(fee, ["payments"])
    record_event(fee.case, actor, "fee_paid", fee_id=fee.id, channel=payment.channel, reference=payment.reference,
                 amount=str(payment.amount))
    if fee.outstanding == 0:
        fee.state, fee.paid_at = "paid", payment.paid_at
        db.session.flush()
    return payment


def start_online_payment(fee, actor, gateway, return_url):
    """An order at the gateway for what is outstanding; the payer is sent to its page."""
    if not can_pay(fee, actor):
        raise NotAllowed()
    if gateway is None:
        raise NoGateway()
    _lock_fee(fee)
    if fee.state != "due" or fee.outstanding <= 0:
        raise FeeAlreadyPaid()
    order = FeeOrder(fee_id=fee.id, order_ref="FEE" + base64.b32encode(secrets.token_bytes(10)).decode()[:16],
                     amount=fee.outstanding, created_by_id=actor.id)
    db.session.add(order)
    db.session.flush()
    notify_url = current_app.config["BASE_URL"].rstrip("/") + "/fees/callback"
    created = gateway.create_order(order_ref=order.order_ref, amount=order.amount,
                                   description=f"{fee.case.number} 案件受理费", notify_url=notify_url,
                                   return_url=return_url)
    order.gateway_id, order.pay_url = created.gateway_id, created.pay_url
    db.session.flush()
    record_event(fee.case, actor, "fee_order_created", fee_id=fee.id, order_ref=order.order_ref,
                 amount=str(order.amount))
    return order


def record_gateway_payment(gateway, body, signature):
    """The gateway's signed callback: verify (HMAC), find the order, check the amount, record once.

    A repeated callback for the same payment is answered as a success and records nothing new; a callback
    whose amount differs from the order's is refused and records nothing."""
    notice = gateway.verify_callback(body, signature)  # raises BadSignature
    order = db.session.scalar(select(FeeOrder).where(FeeOrder.order_ref == notice.order_ref))
    if order is None:
        raise UnknownOrder()
    fee = _lock_fee(order.fee)
    existing = db.session.scalar(select(FeePayment).where(FeePayment.channel == "gateway",
                                                          FeePayment.reference == notice.payment_id))
    if existing is not None:
        return existing, False
    if notice.status != "paid":
        raise InvalidState()
    if notice.amount != order.amount:
        raise WrongAmount(due=f"{order.amount}")
    if fee.state != "due":
        raise FeeAlreadyPaid()
    payment = FeePayment(fee_id=fee.id, channel="gateway", reference=notice.payment_id, order_id=order.id,
                         amount=notice.amount, paid_at=utcnow())
    return _settle(fee, payment, None), True


def record_clerk_payment(fee, actor, amount, reference):
    """A finance clerk records money received at the court (a receipt number, 收据号)."""
    from app.services.filing import parse_amount
    if not fee.case.can_review(actor):
        raise NotAllowed()
    reference = (reference or "").strip()[:64]
    if not reference:
        raise ReasonRequired(N_("Enter the receipt number."))
    amount = parse_amount(amount)
    _lock_fee(fee)
    if fee.state != "due":
        raise FeeAlreadyPaid()
    if amount is None or amount <= 0 or amount > fee.outstanding:
        raise WrongAmount(due=f"{fee.outstanding}")
    existing = db.session.scalar(select(FeePayment).where(FeePayment.channel == "clerk",
                                                          FeePayment.reference == reference))
    if existing is not None:
        if existing.fee_id == fee.id and existing.amount == amount:
            return existing  # the same receipt twice: one payment
        raise InvalidState(N_("This receipt number is already recorded."))
    return _settle(fee, FeePayment(fee_id=fee.id, channel="clerk", reference=reference, amount=amount,
                                   recorded_by_id=actor.id), actor)


# --------------------------------------------------------------------------- relief (缓交、减交、免交)

def pending_relief(fee):
    return next((r for r in fee.reliefs if r.state == "pending"), None)


def apply_for_relief(fee, actor, kind, reason):
    if not can_pay(fee, actor):
        raise NotAllowed()
    if kind not in RELIEF_KINDS:
        raise InvalidState()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    _lock_fee(fee)
    if fee.state != "due":
        raise FeeAlreadyPaid()
    if pending_relief(fee) is not None:
        raise ReliefPending()
    relief = FeeRelief(kind=kind, reason=reason[:4000], requested_by_id=actor.id)
    fee.reliefs.append(relief)
    db.session.flush()
    record_event(fee.case, actor, "fee_relief_requested", fee_id=fee.id, relief_id=relief.id, relief_kind=kind, reason=reason)
    return relief


def decide_relief(relief, actor, grant, reasons, new_amount=None, new_due_on=None):
    """The judge grants or refuses; a deferral moves the deadline, a reduction lowers the fee, a waiver ends it."""
    from app.services.court_time import today as local_today
    from app.services.filing import parse_amount
    fee = relief.fee
    case = fee.case
    if not lifecycle.may_act(case, actor, ("judge",)):
        raise NotAllowed()
    reasons = (reasons or "").strip()
    if not reasons:
        raise ReasonRequired()
    _lock_fee(fee)
    db.session.refresh(relief)
    if relief.state != "pending":
        raise InvalidState()
    relief.state = "granted" if grant else "refused"
    relief.decided_by_id, relief.decided_at, relief.decision_reasons = actor.id, utcnow(), reasons
    if grant:
        if relief.kind == "defer":
            if new_due_on is None or new_due_on <= local_today():
                raise DeadlinePassed(N_("Choose a new date after today."))
            relief.new_due_on = fee.due_on = new_due_on
        elif relief.kind == "reduce":
            amount = parse_amount(new_amount)
            if amount is None or not fee.paid <= amount < fee.amount_due:
                raise WrongAmount(due=f"{fee.amount_due}")
            relief.new_amount = fee.amount_due = amount
        else:
            relief.new_amount = fee.amount_due = Decimal("0.00")
        if fee.outstanding == 0:
            fee.state = "waived" if fee.paid == 0 else "paid"
    db.session.flush()
    record_event(case, actor, "fee_relief_decided", fee_id=fee.id, relief_id=relief.id, relief_kind=relief.kind,
                 granted=bool(grant), reasons=reasons, amount_due=str(fee.amount_due),
                 due_on=fee.due_on.isoformat())
    return relief


# --------------------------------------------------------------------------- not paying

def is_overdue(fee, today=None):
    from app.services.court_time import today as local_today
    return fee.state == "due" and fee.outstanding > 0 and (today or local_today()) > fee.due_on


def overdue_fees(court_id, today=None):
    from app.models import Case
    from app.services.court_time import today as local_today
    today = today or local_today()
    rows = db.session.scalars(select(CourtFee).join(Case, Case.id == CourtFee.case_id).where(
        Case.court_id == court_id, Case.state.in_(lifecycle.ACTIVE), CourtFee.state == "due",
        CourtFee.due_on < today).order_by(CourtFee.due_on)).all()
    return [f for f in rows if pending_relief(f) is None]


def check_deemed_withdrawal(fee, today=None):
    """Whether the case may be treated as withdrawn (按撤诉处理) for not paying: overdue, no pending relief."""
    if pending_relief(fee) is not None:
        raise ReliefPending()
    if not is_overdue(fee, today):
        raise NotOverdue()


def total_paid(case):
    return db.session.scalar(select(func.coalesce(func.sum(FeePayment.amount), 0)).join(CourtFee).where(
        CourtFee.case_id == case.id)) or Decimal(0)
