"""Online filing (网上立案): versions of a filing, correction requests (补正), attachments,
case-number sequences and the acceptance notice (受理通知书)."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# Document roles a filing carries; "enforcement" files an application (执行申请书) instead of a complaint.
DOC_ROLES = ("complaint", "application", "id_document", "evidence_list", "evidence", "power_of_attorney",
             "other")
CORRECTION_STATES = ("open", "answered", "expired")
ITEM_KINDS = ("edit_field", "replace_file", "add_file", "other")


class FilingVersion(db.Model):
    """What was sent to the court at one submission: a JSON snapshot, so a resubmission diffs item by item."""
    __tablename__ = "filing_versions"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    snapshot = db.Column(db.JSON, nullable=False)
    reply = db.Column(db.Text)  # the filer's reply to a correction request, if any
    created_by_id = db.Column(db.ForeignKey("users.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("case_id", "number", name="uq_filing_versions_case_number"),)


class CorrectionRequest(db.Model):
    """A correction notice (补正通知): every problem at once (一次性告知), with one deadline."""
    __tablename__ = "correction_requests"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    version_id = db.Column(db.ForeignKey("filing_versions.id"))
    note = db.Column(db.Text, nullable=False, default="")
    deadline = db.Column(UTCDateTime, nullable=False)  # end of the last day, court time
    state = db.Column(db.String(12), nullable=False, default="open", index=True)
    requested_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    answered_at = db.Column(UTCDateTime)

    requested_by = db.relationship("User")
    items = db.relationship("CorrectionItem", back_populates="request", order_by="CorrectionItem.position",
                            cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(CORRECTION_STATES), name="state"),)


class CorrectionItem(db.Model):
    """One thing to fix: a field to edit, a file to replace or add, with the court's note."""
    __tablename__ = "correction_items"
    id = db.Column(db.Integer, primary_key=True)
    request_id = db.Column(db.ForeignKey("correction_requests.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(16), nullable=False)
    target = db.Column(db.String(60), nullable=False, default="")  # "field:facts", "attachment:12", "role:evidence"
    note = db.Column(db.Text, nullable=False)
    response = db.Column(db.Text)

    request = db.relationship("CorrectionRequest", back_populates="items")

    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(ITEM_KINDS), name="kind"),)


class FilingAttachment(db.Model):
    """A document of a filing. Never deleted: a replaced or removed one keeps its row with `superseded_at`."""
    __tablename__ = "filing_attachments"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    role = db.Column(db.String(24), nullable=False)
    stored_file_id = db.Column(db.ForeignKey("stored_files.id"))  # None while it is coming by post
    pending_by_post = db.Column(db.Boolean, nullable=False, default=False)
    note = db.Column(db.String(200), nullable=False, default="")
    added_by_id = db.Column(db.ForeignKey("users.id"))
    on_behalf_of_id = db.Column(db.ForeignKey("case_parties.id"))  # a clerk uploading for a party
    replaces_id = db.Column(db.ForeignKey("filing_attachments.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    superseded_at = db.Column(UTCDateTime)

    stored = db.relationship("StoredFile")
    added_by = db.relationship("User")
    on_behalf_of = db.relationship("CaseParty")

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(DOC_ROLES), name="role"),)

    @property
    def current(self):
        return self.superseded_at is None


class CaseNumberSequence(db.Model):
    """The last case number used per court, year and kind code (民初, 执...): numbers never repeat."""
    __tablename__ = "case_number_sequences"
    court_id = db.Column(db.ForeignKey("courts.id"), primary_key=True)
    year = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(8), primary_key=True)
    last = db.Column(db.Integer, nullable=False, default=0)


class AcceptanceNotice(db.Model):
    """The acceptance notice (受理通知书) of a case: one per case, with its public verification code."""
    __tablename__ = "acceptance_notices"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, unique=True)
    stored_file_id = db.Column(db.ForeignKey("stored_files.id"), nullable=False)
    verification_code = db.Column(db.String(24), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    stored = db.relationship("StoredFile")
    case = db.relationship("Case")
