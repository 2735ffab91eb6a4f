"""Court fees (诉讼费): the fee assessed on a case, online orders, payments and relief applications."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

FEE_KINDS = ("acceptance", "preservation")  # 案件受理费, 申请保全费
FEE_STATES = ("due", "paid", "waived")
PAYMENT_CHANNELS = ("gateway", "clerk")
RELIEF_KINDS = ("defer", "reduce", "waive")  # 缓交, 减交, 免交
RELIEF_STATES = ("pending", "granted", "refused")


class CourtFee(db.Model):
    """A fee a party must pay in advance (预交), with its payment notice (交费通知书) and deadline."""
    __tablename__ = "court_fees"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False)
    kind = db.Column(db.String(16), nullable=False, default="acceptance")
    assessed = db.Column(db.Numeric(14, 2), nullable=False)   # per the fee rules
    amount_due = db.Column(db.Numeric(14, 2), nullable=False)  # after a reduction or waiver
    basis = db.Column(db.JSON, nullable=False, default=list)  # the lines of the computation, in Chinese
    due_on = db.Column(db.Date, nullable=False)
    state = db.Column(db.String(8), nullable=False, default="due")
    notice_file_id = db.Column(db.ForeignKey("stored_files.id"))
    notice_code = db.Column(db.String(16), index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    paid_at = db.Column(UTCDateTime)

    case = db.relationship("Case")
    party = db.relationship("CaseParty")
    notice_file = db.relationship("StoredFile")
    payments = db.relationship("FeePayment", back_populates="fee", order_by="FeePayment.id")
    reliefs = db.relationship("FeeRelief", back_populates="fee", order_by="FeeRelief.id")

    __table_args__ = (
        sa.UniqueConstraint("case_id", "kind", name="uq_court_fees_case_kind"),
        sa.CheckConstraint(sa.column("kind").in_(FEE_KINDS), name="kind"),
        sa.CheckConstraint(sa.column("state").in_(FEE_STATES), name="state"),
    )

    @property
    def paid(self):
        from decimal import Decimal
        return sum((p.amount for p in self.payments), Decimal("0"))

    @property
    def outstanding(self):
        return max(self.amount_due - self.paid, 0)


class FeeOrder(db.Model):
    """An online payment order sent to the gateway; the callback names it by `order_ref`."""
    __tablename__ = "fee_orders"
    id = db.Column(db.Integer, primary_key=True)
    fee_id = db.Column(db.ForeignKey("court_fees.id"), nullable=False, index=True)
    order_ref = db.Column(db.String(40), nullable=False, unique=True)
    amount = db.Column(db.Numeric(14, 2), nullable=False)
    gateway_id = db.Column(db.String(64))
    pay_url = db.Column(db.String(500))
    created_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    fee = db.relationship("CourtFee")


class FeePayment(db.Model):
    """Money received: a gateway payment (by its id) or a receipt recorded by a finance clerk."""
    __tablename__ = "fee_payments"
    id = db.Column(db.Integer, primary_key=True)
    fee_id = db.Column(db.ForeignKey("court_fees.id"), nullable=False, index=True)
    channel = db.Column(db.String(8), nullable=False)
    reference = db.Column(db.String(64), nullable=False)
    order_id = db.Column(db.ForeignKey("fee_orders.id"))
    amount = db.Column(db.Numeric(14, 2), nullable=False)
    paid_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    recorded_by_id = db.Column(db.ForeignKey("users.id"))

    fee = db.relationship("CourtFee", back_populates="payments")

    __table_args__ = (
        sa.UniqueConstraint("channel", "reference", name="uq_fee_payments_channel_reference"),
        sa.CheckConstraint(sa.column("channel").in_(PAYMENT_CHANNELS), name="channel"),
    )


class FeeRelief(db.Model):
    """An application to defer, reduce or waive a fee (缓交、减交、免交), decided by the court."""
    __tablename__ = "fee_reliefs"
    id = db.Column(db.Integer, primary_key=True)
    fee_id = db.Column(db.ForeignKey("court_fees.id"), nullable=False, index=True)
    kind = db.Column(db.String(8), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    requested_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    state = db.Column(db.String(8), nullable=False, default="pending")
    decided_by_id = db.Column(db.ForeignKey("users.id"))
    decided_at = db.Column(UTCDateTime)
    decision_reasons = db.Column(db.Text)
    new_amount = db.Column(db.Numeric(14, 2))
    new_due_on = db.Column(db.Date)

    fee = db.relationship("CourtFee", back_populates="reliefs")
    requested_by = db.relationship("User", foreign_keys=[requested_by_id])

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(RELIEF_KINDS), name="kind"),
        sa.CheckConstraint(sa.column("state").in_(RELIEF_STATES), name="state"),
    )
