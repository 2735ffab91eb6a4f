"""Signatures (签名): one image per person, redrawable; every use on a document is recorded."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

SOURCES = ("drawn", "photo")
DOCUMENT_KINDS = ("transcript", "mediation", "enforcement")


class Signature(db.Model):
    """One version of a person's signature. Redrawing adds a version; old ones stay, because
    documents signed earlier keep the image they were signed with."""
    __tablename__ = "signatures"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    version = db.Column(db.Integer, nullable=False)
    image_id = db.Column(db.ForeignKey("stored_files.id"), nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    source = db.Column(db.String(8), nullable=False, default="drawn")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    user = db.relationship("User")
    image = db.relationship("StoredFile")

    __table_args__ = (sa.UniqueConstraint("user_id", "version", name="uq_signatures_user_version"),
                      sa.CheckConstraint(sa.column("source").in_(SOURCES), name="source"))

    def can_view(self, user):
        """The signer; and staff of a court where the signer files, is a party or a lawyer (they see
        it on that case's documents). Not staff of any other court."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.id == self.user_id:
            return True
        return bool(user.is_staff and user.court is not None and user.court.is_staff(user)
                    and user.court.has_person(self.user_id))


class SignatureApplication(db.Model):
    """A signature applied to one exact document version (its content hash), after a face check."""
    __tablename__ = "signature_applications"
    id = db.Column(db.Integer, primary_key=True)
    signature_id = db.Column(db.ForeignKey("signatures.id"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    document_kind = db.Column(db.String(16), nullable=False)
    document_id = db.Column(db.Integer, nullable=False)
    document_hash = db.Column(db.String(64), nullable=False)
    face_session_id = db.Column(db.ForeignKey("user_sessions.id"))  # None for court staff (exempt)
    face_verified_until = db.Column(UTCDateTime)
    signed_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    signature = db.relationship("Signature")
    user = db.relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("document_kind", "document_id", "document_hash", "user_id",
                            name="uq_signature_applications_once"),
        sa.CheckConstraint(sa.column("document_kind").in_(DOCUMENT_KINDS), name="document_kind"),
    )
