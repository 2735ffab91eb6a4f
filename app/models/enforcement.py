"""Enforcement (执行): one ExecutionCase per enforcement case with its enforceable instrument (执行依据),
property clues (财产线索) and their handling, the money ledger (案款), measures, and the applicant's
confirmation of receipt that closes the case as completed (执行完毕)."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

STATUSES = ("open", "suspended", "completed", "terminated")  # 执行中, 执行和解中止, 执行完毕, 终结本次执行
INSTRUMENT_KINDS = ("judgment", "ruling", "mediation", "arbitral_award", "other")
INSTRUMENT_SOURCES = ("system", "upload")
CLUE_KINDS = ("bank_account", "real_estate", "vehicle", "shares", "other")
CLUE_ACTIONS = ("searched", "frozen", "seized", "released", "nothing_found")
LEDGER_KINDS = ("principal", "interest", "costs", "payment", "payout")  # due side: the first three
DUE_KINDS = ("principal", "interest", "costs")
CONFIRMATION_STATES = ("pending", "confirmed", "withdrawn")


class ExecutionCase(db.Model):
    """The enforcement side of a case of kind "enforcement" (执行案件): what is enforced and how far it got."""
    __tablename__ = "execution_cases"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, unique=True)
    status = db.Column(db.String(12), nullable=False, default="open")
    instrument_source = db.Column(db.String(8), nullable=False)
    instrument_kind = db.Column(db.String(16), nullable=False)
    instrument_number = db.Column(db.String(64), nullable=False, default="")
    instrument_case_id = db.Column(db.ForeignKey("cases.id"))  # a judgment/ruling/mediation of this system
    instrument_file_id = db.Column(db.ForeignKey("stored_files.id"))  # an uploaded instrument
    proof_file_id = db.Column(db.ForeignKey("stored_files.id"))  # 生效证明 for an uploaded one
    effective_on = db.Column(db.Date, nullable=False)
    act = db.Column(db.Text, nullable=False, default="")  # an act to enforce (行为), besides or instead of money
    amount = db.Column(db.Numeric(14, 2))  # the sum applied for; the ledger's principal once accepted
    hearing_id = db.Column(db.ForeignKey("hearings.id"))  # the case group (一案一群)
    closing_reason = db.Column(db.String(32))
    closed_at = db.Column(UTCDateTime)
    closing_file_id = db.Column(db.ForeignKey("stored_files.id"))
    created_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    case = db.relationship("Case", foreign_keys=[case_id])
    instrument_case = db.relationship("Case", foreign_keys=[instrument_case_id])
    instrument_file = db.relationship("StoredFile", foreign_keys=[instrument_file_id])
    proof_file = db.relationship("StoredFile", foreign_keys=[proof_file_id])
    closing_file = db.relationship("StoredFile", foreign_keys=[closing_file_id])
    hearing = db.relationship("Hearing")
    clues = db.relationship("PropertyClue", back_populates="execution", order_by="PropertyClue.id")
    entries = db.relationship("LedgerEntry", back_populates="execution", order_by="LedgerEntry.id")

    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status"),
        sa.CheckConstraint(sa.column("instrument_kind").in_(INSTRUMENT_KINDS), name="instrument_kind"),
        sa.CheckConstraint(sa.column("instrument_source").in_(INSTRUMENT_SOURCES), name="instrument_source"),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
    )

    def can_view(self, user):
        return self.case.can_view(user)


class PropertyClue(db.Model):
    """A property clue (财产线索) given by the applicant. Never shown to the respondent."""
    __tablename__ = "property_clues"
    id = db.Column(db.Integer, primary_key=True)
    execution_id = db.Column(db.ForeignKey("execution_cases.id"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)
    description = db.Column(db.Text, nullable=False)
    attachment_id = db.Column(db.ForeignKey("stored_files.id"))
    submitted_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    idempotency_key = db.Column(db.String(64))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    execution = db.relationship("ExecutionCase", back_populates="clues")
    attachment = db.relationship("StoredFile")
    submitted_by = db.relationship("User")
    actions = db.relationship("ClueAction", back_populates="clue", order_by="ClueAction.id")

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(CLUE_KINDS), name="kind"),
        sa.UniqueConstraint("submitted_by_id", "idempotency_key", name="uq_property_clues_submitted_by_key"),
    )

    def can_view(self, user):
        """The court and the applicant's side only: the respondent must not learn where we look."""
        from app.services.enforcement import is_court, is_applicant
        case = self.execution.case
        return is_court(case, user) or is_applicant(case, user)


class ClueAction(db.Model):
    """How the court handled a clue: searched (查询), frozen (冻结), seized (查封/扣押), released (解除), nothing found."""
    __tablename__ = "clue_actions"
    id = db.Column(db.Integer, primary_key=True)
    clue_id = db.Column(db.ForeignKey("property_clues.id"), nullable=False, index=True)
    action = db.Column(db.String(16), nullable=False)
    done_on = db.Column(db.Date, nullable=False)
    until = db.Column(db.Date)  # a freeze or seizure's end date, when it has one
    note = db.Column(db.Text, nullable=False, default="")
    recorded_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    clue = db.relationship("PropertyClue", back_populates="actions")
    recorded_by = db.relationship("User")

    __table_args__ = (sa.CheckConstraint(sa.column("action").in_(CLUE_ACTIONS), name="action"),)


class LedgerEntry(db.Model):
    """One line of the money ledger (案款台账), always positive; its kind says which way it counts.
    A payment the respondent reports counts once the court confirms it arrived."""
    __tablename__ = "ledger_entries"
    id = db.Column(db.Integer, primary_key=True)
    execution_id = db.Column(db.ForeignKey("execution_cases.id"), nullable=False, index=True)
    kind = db.Column(db.String(12), nullable=False)
    amount = db.Column(db.Numeric(14, 2), nullable=False)
    on_date = db.Column(db.Date, nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    proof_id = db.Column(db.ForeignKey("stored_files.id"))
    recorded_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    confirmed_at = db.Column(UTCDateTime)
    confirmed_by_id = db.Column(db.ForeignKey("users.id"))
    idempotency_key = db.Column(db.String(64))  # made when the form is shown: a second tap records nothing
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    execution = db.relationship("ExecutionCase", back_populates="entries")
    proof = db.relationship("StoredFile")
    recorded_by = db.relationship("User", foreign_keys=[recorded_by_id])

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(LEDGER_KINDS), name="kind"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.UniqueConstraint("recorded_by_id", "idempotency_key", name="uq_ledger_entries_recorded_by_key"),
    )


class ReceiptConfirmation(db.Model):
    """The court asks the applicant to confirm receipt (确认收到执行款) and agree to close as 执行完毕."""
    __tablename__ = "receipt_confirmations"
    id = db.Column(db.Integer, primary_key=True)
    execution_id = db.Column(db.ForeignKey("execution_cases.id"), nullable=False, index=True)
    amount = db.Column(db.Numeric(14, 2), nullable=False)
    text = db.Column(db.Text, nullable=False)
    state = db.Column(db.String(12), nullable=False, default="pending")
    content_hash = db.Column(db.String(64), nullable=False)
    item_id = db.Column(db.ForeignKey("hearing_items.id"))
    requested_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(UTCDateTime)
    confirmed_by_id = db.Column(db.ForeignKey("users.id"))
    signature_application_id = db.Column(db.ForeignKey("signature_applications.id"))

    execution = db.relationship("ExecutionCase")
    item = db.relationship("HearingItem")

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(CONFIRMATION_STATES), name="state"),
                      sa.CheckConstraint("amount >= 0", name="amount_nonnegative"))


SETTLEMENT_STATES = ("signing", "in_force", "performed", "broken")
MEASURE_KINDS = ("dishonest_list", "consumption_ban")  # 失信被执行人名单, 限制高消费
# 终本 conditions (最高人民法院《关于严格规范终结本次执行程序的规定（试行）》第一条), as recorded at the interview.
TERMINATION_CONDITIONS = ("order_served", "property_searched", "nothing_to_dispose", "measures_taken",
                          "applicant_interviewed")


class ExecutionSettlement(db.Model):
    """A settlement in enforcement (执行和解): signed by both sides it suspends the case; performed it
    closes the case as completed; broken, enforcement resumes."""
    __tablename__ = "execution_settlements"
    id = db.Column(db.Integer, primary_key=True)
    execution_id = db.Column(db.ForeignKey("execution_cases.id"), nullable=False, index=True)
    terms = db.Column(db.Text, nullable=False)
    state = db.Column(db.String(12), nullable=False, default="signing")
    content_hash = db.Column(db.String(64), nullable=False)
    recorded_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    in_force_at = db.Column(UTCDateTime)
    ended_at = db.Column(UTCDateTime)
    end_note = db.Column(db.Text, nullable=False, default="")

    execution = db.relationship("ExecutionCase")

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(SETTLEMENT_STATES), name="state"),)


class EnforcementMeasure(db.Model):
    """A listing as a dishonest person (失信) or a restriction on high consumption (限高); recorded, no integration."""
    __tablename__ = "enforcement_measures"
    id = db.Column(db.Integer, primary_key=True)
    execution_id = db.Column(db.ForeignKey("execution_cases.id"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False)
    start_on = db.Column(db.Date, nullable=False)
    end_on = db.Column(db.Date)
    reason = db.Column(db.Text, nullable=False)
    recorded_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    execution = db.relationship("ExecutionCase")
    party = db.relationship("CaseParty")

    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(MEASURE_KINDS), name="kind"),
                      sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="dates_in_order"))


class TerminationInterview(db.Model):
    """The interview before terminating this round of enforcement (终本约谈), with the conditions found met."""
    __tablename__ = "termination_interviews"
    id = db.Column(db.Integer, primary_key=True)
    execution_id = db.Column(db.ForeignKey("execution_cases.id"), nullable=False, index=True)
    held_on = db.Column(db.Date, nullable=False)
    notes = db.Column(db.Text, nullable=False)
    conditions = db.Column(db.JSON, nullable=False, default=list)
    applicant_view = db.Column(db.Text, nullable=False, default="")
    recorded_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    execution = db.relationship("ExecutionCase")
