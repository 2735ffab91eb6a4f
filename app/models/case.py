"""Cases (案件) from filing to closing, their parties (当事人) and the event record (事件)."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

KINDS = ("civil", "commercial", "enforcement", "administrative")
# The filing's states, then the case's (see app/services/lifecycle.py for the one transition table):
# `withdrawn` is a filing withdrawn before acceptance; `suit_withdrawn` is 撤诉 after acceptance,
# `deemed_withdrawn` is 按撤诉处理, `decided` a judgment served and not yet effective.
STATES = ("draft", "submitted", "needs_correction", "resubmitted", "accepted", "rejected",
          "withdrawn", "hearing", "mediated", "decided", "suit_withdrawn", "deemed_withdrawn", "closed")
PROCEDURES = ("ordinary", "simplified", "small_claims")  # 普通程序, 简易程序, 小额诉讼程序
PARTY_ROLES = ("plaintiff", "defendant", "third_party", "applicant", "respondent")
PARTY_TYPES = ("person", "legal_person", "organisation")  # 自然人, 法人, 非法人组织 (app/services/parties.py)
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "uscc")


class Case(db.Model):
    """A filing (立案申请) until accepted; then the case (案件) with its case number."""
    __tablename__ = "cases"
    id = db.Column(db.Integer, primary_key=True)
    court_id = db.Column(db.ForeignKey("courts.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False)
    state = db.Column(db.String(20), nullable=False, default="draft", index=True)
    filing_ref = db.Column(db.String(32), nullable=False, unique=True)
    case_number = db.Column(db.String(64), unique=True)
    title = db.Column(db.String(200), nullable=False, default="")
    claims = db.Column(db.Text, nullable=False, default="")
    facts = db.Column(db.Text, nullable=False, default="")
    amount = db.Column(db.Numeric(14, 2))
    # The procedure is the case's own (not a hearing's): fees halve under the simplified one, and small
    # claims exist for civil cases only.
    procedure = db.Column(db.String(16), nullable=False, default="ordinary", server_default="ordinary")
    filed_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    judge_id = db.Column(db.ForeignKey("users.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    submitted_at = db.Column(UTCDateTime)
    accepted_at = db.Column(UTCDateTime)
    # Filing (立案) bookkeeping: the registration clock, why it ended, where a refiling came from.
    registration_due_on = db.Column(db.Date)
    decided_at = db.Column(UTCDateTime)
    decided_by_id = db.Column(db.ForeignKey("users.id"))
    rejected_reason = db.Column(db.Text)
    withdrawn_reason = db.Column(db.String(40))
    copied_from_id = db.Column(db.ForeignKey("cases.id"))
    # How and when the case ended (结案): set by lifecycle.transition() only.
    close_reason = db.Column(db.String(40))
    closed_on = db.Column(db.Date)
    closed_at = db.Column(UTCDateTime)
    revision = db.Column(db.Integer, nullable=False, default=1)  # bumped on each change: stale forms are refused
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    court = db.relationship("Court")
    filed_by = db.relationship("User", foreign_keys=[filed_by_id])
    judge = db.relationship("User", foreign_keys=[judge_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    parties = db.relationship("CaseParty", back_populates="case", order_by="CaseParty.id",
                              cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="kind"),
        sa.CheckConstraint(sa.column("state").in_(STATES), name="state"),
        sa.CheckConstraint(sa.column("procedure").in_(PROCEDURES), name="procedure"),
    )

    @property
    def number(self):
        """What people call the case by: the case number once accepted, else the filing reference."""
        return self.case_number or self.filing_ref

    def party_for(self, user):
        """The party this person is, or speaks for as lawyer; None for anyone else (and for staff)."""
        if user is None or not getattr(user, "is_authenticated", False) or user.is_staff:
            return None
        for party in self.parties:
            if user.id in (party.user_id, party.lawyer_id):
                return party
        return None

    def can_view(self, user):
        """Per-case authorisation: staff of the case's court, the filer, parties and their lawyers."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_staff:
            # The draft page promises that the court sees nothing before submission.
            return self.court.is_staff(user) and self.state != "draft"
        return self.is_filer(user) or self.party_for(user) is not None

    def is_filer(self, user):
        """The account that filed (the litigant, or the lawyer filing on a client's behalf)."""
        return bool(user is not None and getattr(user, "is_authenticated", False) and user.id == self.filed_by_id)

    def can_review(self, user):
        """Staff of this case's court: they review filings (立案审查), record consents, serve documents."""
        return self.court.is_staff(user)

    def can_run(self, user):
        """Judges and clerks of this case's court: they open and run hearings, draft mediation terms,
        amend transcripts."""
        from app.models.court import HEARING_STAFF
        return self.court.is_staff(user, HEARING_STAFF)

    def __repr__(self):
        return f"<Case {self.number} {self.state}>"


class CaseParty(db.Model):
    """A party to a case, with the account that speaks for them and their lawyer, if any."""
    __tablename__ = "case_parties"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    role = db.Column(db.String(20), nullable=False)
    party_type = db.Column(db.String(20), nullable=False, default="person", server_default="person")
    name = db.Column(db.String(100), nullable=False)
    id_type = db.Column(db.String(20))  # None with a number: a resident ID (older rows)
    id_number = db.Column(db.String(18))
    phone = db.Column(db.String(20))  # a mainland mobile (11 digits) or E.164 (+852…) outside the mainland
    # An organisation's legal representative or principal (法定代表人/主要负责人), and the member of staff
    # who acts for it under a letter of authorisation (授权委托书), if any.
    representative_name = db.Column(db.String(100))
    representative_title = db.Column(db.String(40))
    agent_name = db.Column(db.String(100))
    agent_title = db.Column(db.String(40))
    # The lawyer's special authority (特别授权, Civil Procedure Law art. 62) as checked by the court on the
    # power of attorney: needed to admit, waive or change claims, settle (sign a mediation agreement) or withdraw.
    lawyer_special_authority = db.Column(db.Boolean, nullable=False, default=False, server_default=sa.false())
    user_id = db.Column(db.ForeignKey("users.id"), index=True)
    lawyer_id = db.Column(db.ForeignKey("users.id"), index=True)

    case = db.relationship("Case", back_populates="parties")
    user = db.relationship("User", foreign_keys=[user_id])
    lawyer = db.relationship("User", foreign_keys=[lawyer_id])

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(PARTY_ROLES), name="role"),
                      sa.CheckConstraint(sa.column("party_type").in_(PARTY_TYPES), name="party_type"),
                      sa.CheckConstraint(sa.or_(sa.column("id_type").is_(None), sa.column("id_type").in_(ID_TYPES)),
                                         name="id_type"))

    @property
    def is_organisation(self):
        return self.party_type in ("legal_person", "organisation")


class CaseEvent(db.Model):
    """Every change to a case, hash-chained per case so the dossier can prove it is intact."""
    __tablename__ = "case_events"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    seq = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(40), nullable=False)
    actor_id = db.Column(db.ForeignKey("users.id"))
    data = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    prev_hash = db.Column(db.String(64), nullable=False)
    hash = db.Column(db.String(64), nullable=False)

    actor = db.relationship("User")

    __table_args__ = (sa.UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)
