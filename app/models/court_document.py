"""Court documents (裁判文书): judgments (判决书), rulings (裁定书) and mediation documents (调解书), from the
judge's draft to the sealed PDF, its service, its legal effect and the certificate of effect (生效证明)."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

DOC_KINDS = ("judgment", "ruling", "mediation")
RULING_TYPES = ("not_accepted", "dismissal", "withdrawal", "preservation", "deemed_withdrawal")
DOC_STATES = ("draft", "signed", "issued", "effective")


class CourtDocument(db.Model):
    __tablename__ = "court_documents"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    kind = db.Column(db.String(12), nullable=False)
    ruling_type = db.Column(db.String(20))
    title = db.Column(db.String(40), nullable=False)
    paragraphs = db.Column(db.JSON, nullable=False, default=list)
    state = db.Column(db.String(10), nullable=False, default="draft")
    revision = db.Column(db.Integer, nullable=False, default=1)
    created_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # The judge signs the exact content (its hash); the clerk countersigns the same hash; then it is sealed.
    content_hash = db.Column(db.String(64))
    judge_id = db.Column(db.ForeignKey("users.id"))
    judge_signed_at = db.Column(UTCDateTime)
    clerk_id = db.Column(db.ForeignKey("users.id"))
    clerk_signed_at = db.Column(UTCDateTime)
    issued_at = db.Column(UTCDateTime)
    file_id = db.Column(db.ForeignKey("stored_files.id"))
    verification_code = db.Column(db.String(16), index=True)
    effective_on = db.Column(db.Date)
    certificate_file_id = db.Column(db.ForeignKey("stored_files.id"))
    # What it decides about a related record: the application it answers, if any.
    application_id = db.Column(db.ForeignKey("case_applications.id"))

    case = db.relationship("Case")
    judge = db.relationship("User", foreign_keys=[judge_id])
    clerk = db.relationship("User", foreign_keys=[clerk_id])
    file = db.relationship("StoredFile", foreign_keys=[file_id])
    certificate_file = db.relationship("StoredFile", foreign_keys=[certificate_file_id])

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(DOC_KINDS), name="kind"),
        sa.CheckConstraint(sa.or_(sa.column("ruling_type").is_(None), sa.column("ruling_type").in_(RULING_TYPES)),
                           name="ruling_type"),
        sa.CheckConstraint(sa.column("state").in_(DOC_STATES), name="state"),
    )

    def can_view(self, user):
        """Parties see a document once it is issued; court staff of the case's court see drafts too."""
        if not self.case.can_view(user):
            return False
        return self.state != "draft" and self.state != "signed" or bool(user.is_staff)
