"""Transcripts (笔录) of hearings: versions rendered from the event record, and each party's answer."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

STATES = ("draft", "objected", "signed", "final")
VERSION_KINDS = ("draft", "signed")
DECISIONS = ("confirm", "object")


class Transcript(db.Model):
    """One per hearing. `hearing_id` is a plain integer (the id carried by the hearing events),
    so transcripts do not depend on how the hearing tables are laid out."""
    __tablename__ = "transcripts"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    hearing_id = db.Column(db.Integer, nullable=False, unique=True)
    title = db.Column(db.String(100), nullable=False, default="")
    state = db.Column(db.String(12), nullable=False, default="draft")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    case = db.relationship("Case")
    versions = db.relationship("TranscriptVersion", back_populates="transcript",
                               order_by="TranscriptVersion.number")
    confirmations = db.relationship("TranscriptConfirmation", back_populates="transcript",
                                    order_by="TranscriptConfirmation.id")

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(STATES), name="state"),)

    @property
    def current_draft(self):
        drafts = [v for v in self.versions if v.kind == "draft"]
        return drafts[-1] if drafts else None

    @property
    def signed_version(self):
        signed = [v for v in self.versions if v.kind == "signed"]
        return signed[-1] if signed else None

    def participant_ids(self):
        """Who took part in the hearing, read from its events (the record the transcript is made of)."""
        from app.models.case import CaseEvent
        events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == self.case_id,
                                                               CaseEvent.kind == "participant_added")).all()
        return {e.data.get("user_id") for e in events if (e.data or {}).get("hearing_id") == self.hearing_id}

    def can_view(self, user):
        """Like the hearing: the court's staff, and the people who took part in that hearing (a party
        left out of a one-sided mediation session does not read its private messages)."""
        if not self.case.can_view(user):
            return False
        return self.case.can_review(user) or user.id in self.participant_ids()

    def can_amend(self, user):
        """The judge's addendum (补正) after an objection: judges and clerks of the case's court."""
        return self.case.can_run(user)


class TranscriptVersion(db.Model):
    """A rendered PDF. The content hash is over the data that went into it, so rendering the same
    events twice finds this row again instead of making a second document."""
    __tablename__ = "transcript_versions"
    id = db.Column(db.Integer, primary_key=True)
    transcript_id = db.Column(db.ForeignKey("transcripts.id"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(8), nullable=False, default="draft")
    content_hash = db.Column(db.String(64), nullable=False)
    verification_code = db.Column(db.String(16), nullable=False, index=True)
    file_id = db.Column(db.ForeignKey("stored_files.id"), nullable=False)
    last_event_seq = db.Column(db.Integer)
    # What the version says, frozen when it was made (JSON of the document data): the signed copy is
    # rendered from the confirmed version's own words, never rebuilt from the events as they are later.
    document = db.Column(db.JSON)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    transcript = db.relationship("Transcript", back_populates="versions")
    file = db.relationship("StoredFile")

    __table_args__ = (sa.UniqueConstraint("transcript_id", "content_hash", name="uq_transcript_versions_hash"),
                      sa.UniqueConstraint("transcript_id", "number", name="uq_transcript_versions_number"),
                      sa.CheckConstraint(sa.column("kind").in_(VERSION_KINDS), name="kind"))


class TranscriptConfirmation(db.Model):
    """A signer's answer to one draft version: confirm (with a signature) or object (with a comment)."""
    __tablename__ = "transcript_confirmations"
    id = db.Column(db.Integer, primary_key=True)
    transcript_id = db.Column(db.ForeignKey("transcripts.id"), nullable=False, index=True)
    version_id = db.Column(db.ForeignKey("transcript_versions.id"), nullable=False)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    decision = db.Column(db.String(8), nullable=False)
    comment = db.Column(db.Text)
    signature_application_id = db.Column(db.ForeignKey("signature_applications.id"))
    # Exactly what was confirmed: the version's content hash and the last event it covers. A later
    # event that changes the text makes a new draft and voids this confirmation.
    content_hash = db.Column(db.String(64))
    last_event_seq = db.Column(db.Integer)
    voided_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    transcript = db.relationship("Transcript", back_populates="confirmations")
    version = db.relationship("TranscriptVersion")
    user = db.relationship("User")
    signature_application = db.relationship("SignatureApplication")

    __table_args__ = (sa.CheckConstraint(sa.column("decision").in_(DECISIONS), name="decision"),)
