"""Mediation agreements (调解协议): terms drafted by the judge, confirmed and signed by every party."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

STATES = ("draft", "signed", "void")


class MediationAgreement(db.Model):
    __tablename__ = "mediation_agreements"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    hearing_id = db.Column(db.Integer)  # the mediation session it came from, if any
    state = db.Column(db.String(8), nullable=False, default="draft")
    created_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    signed_at = db.Column(UTCDateTime)
    content_hash = db.Column(db.String(64))      # of the signed PDF's data
    verification_code = db.Column(db.String(16), index=True)
    file_id = db.Column(db.ForeignKey("stored_files.id"))  # the signed agreement, filed in the dossier

    case = db.relationship("Case")
    file = db.relationship("StoredFile")
    versions = db.relationship("MediationVersion", back_populates="agreement", order_by="MediationVersion.number")
    confirmations = db.relationship("MediationConfirmation", back_populates="agreement",
                                    order_by="MediationConfirmation.id")

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(STATES), name="state"),)

    @property
    def current(self):
        return self.versions[-1] if self.versions else None

    def can_view(self, user):
        """Every party signs the agreement, so the case's people see it, even when it was drafted in a
        session with one side only (that session's messages stay with the hearing)."""
        return self.case.can_view(user)


class MediationVersion(db.Model):
    """The terms as drafted at one moment; parties sign the hash of exactly these terms."""
    __tablename__ = "mediation_versions"
    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(db.ForeignKey("mediation_agreements.id"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    terms = db.Column(db.JSON, nullable=False)  # {amount, payer_party_id, payee_party_id, schedule, other}
    terms_hash = db.Column(db.String(64), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    agreement = db.relationship("MediationAgreement", back_populates="versions")

    __table_args__ = (sa.UniqueConstraint("agreement_id", "number", name="uq_mediation_versions_number"),)


class MediationConfirmation(db.Model):
    __tablename__ = "mediation_confirmations"
    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(db.ForeignKey("mediation_agreements.id"), nullable=False, index=True)
    version_id = db.Column(db.ForeignKey("mediation_versions.id"), nullable=False)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    signature_application_id = db.Column(db.ForeignKey("signature_applications.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    agreement = db.relationship("MediationAgreement", back_populates="confirmations")
    version = db.relationship("MediationVersion")
    party = db.relationship("CaseParty")
    user = db.relationship("User")
    signature_application = db.relationship("SignatureApplication")
