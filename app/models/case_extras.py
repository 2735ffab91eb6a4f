"""Around a case, outside its hearings: applications to the court (申请) and the case channel (联系法官)."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

APPLICATION_KINDS = ("extend_evidence", "postpone_hearing", "preservation", "appraisal", "withdraw")
APPLICATION_STATES = ("pending", "granted", "refused")


class CaseApplication(db.Model):
    """A party's application (申请): to extend the time for evidence (延长举证期限), to postpone a hearing
    (延期开庭), for property preservation (财产保全, with security 担保), for appraisal (鉴定), to withdraw (撤诉)."""
    __tablename__ = "case_applications"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    details = db.Column(db.JSON, nullable=False, default=dict)  # the structured fields of its form
    reason = db.Column(db.Text, nullable=False)
    key = db.Column(db.String(32), nullable=False)  # idempotency: one application per rendered form
    submitted_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    state = db.Column(db.String(8), nullable=False, default="pending")
    decided_by_id = db.Column(db.ForeignKey("users.id"))
    decided_at = db.Column(UTCDateTime)
    decision_reasons = db.Column(db.Text)
    decision_file_id = db.Column(db.ForeignKey("stored_files.id"))

    case = db.relationship("Case")
    party = db.relationship("CaseParty")
    submitted_by = db.relationship("User", foreign_keys=[submitted_by_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    decision_file = db.relationship("StoredFile")

    __table_args__ = (
        sa.UniqueConstraint("submitted_by_id", "key", name="uq_case_applications_submitted_by_key"),
        sa.CheckConstraint(sa.column("kind").in_(APPLICATION_KINDS), name="kind"),
        sa.CheckConstraint(sa.column("state").in_(APPLICATION_STATES), name="state"),
    )


class CaseMessage(db.Model):
    """A message in the standing case channel (联系法官): not part of any hearing or its transcript."""
    __tablename__ = "case_messages"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    author_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    party_id = db.Column(db.ForeignKey("case_parties.id"))  # the party a litigant or lawyer writes for
    body = db.Column(db.Text, nullable=False)
    key = db.Column(db.String(32), nullable=False)  # made when the form is rendered: a second tap is one message
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Staff mark an answer as the court's (法院答复): it speaks for the court, not for one person.
    court_answer_at = db.Column(UTCDateTime)
    court_answer_by_id = db.Column(db.ForeignKey("users.id"))

    author = db.relationship("User", foreign_keys=[author_id])
    party = db.relationship("CaseParty")

    __table_args__ = (sa.UniqueConstraint("author_id", "key", name="uq_case_messages_author_key"),)
