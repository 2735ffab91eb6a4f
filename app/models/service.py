"""Electronic service (电子送达): what was served to whom, and each channel's sent/delivered/opened/acknowledged log."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

DOCUMENT_KINDS = ("notice", "summons", "agreement", "judgment", "transcript", "other")
CHANNELS = ("sms",)


class ServiceOfDocument(db.Model):
    __tablename__ = "services_of_documents"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False)
    recipient_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    document_kind = db.Column(db.String(12), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    file_id = db.Column(db.ForeignKey("stored_files.id"), nullable=False)
    consent_id = db.Column(db.ForeignKey("consents.id"), nullable=False)
    created_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    effective_at = db.Column(UTCDateTime)
    certificate_hash = db.Column(db.String(64))
    certificate_code = db.Column(db.String(16), index=True)
    certificate_id = db.Column(db.ForeignKey("stored_files.id"))

    case = db.relationship("Case")
    party = db.relationship("CaseParty")
    recipient = db.relationship("User", foreign_keys=[recipient_id])
    file = db.relationship("StoredFile", foreign_keys=[file_id])
    certificate = db.relationship("StoredFile", foreign_keys=[certificate_id])
    consent = db.relationship("Consent")
    attempts = db.relationship("ServiceChannelAttempt", back_populates="service",
                               order_by="ServiceChannelAttempt.id")

    __table_args__ = (sa.CheckConstraint(sa.column("document_kind").in_(DOCUMENT_KINDS), name="document_kind"),)

    def can_view(self, user):
        """The person served, and the staff of the serving court; not the other side."""
        return bool(getattr(user, "is_authenticated", False)
                    and (user.id == self.recipient_id or self.case.can_review(user)))


class ServiceChannelAttempt(db.Model):
    __tablename__ = "service_channel_attempts"
    id = db.Column(db.Integer, primary_key=True)
    service_id = db.Column(db.ForeignKey("services_of_documents.id"), nullable=False, index=True)
    channel = db.Column(db.String(8), nullable=False, default="sms")
    address = db.Column(db.String(200), nullable=False)
    address_confirmed = db.Column(db.Boolean, nullable=False, default=False)
    sms_id = db.Column(db.ForeignKey("sms_messages.id"))
    sent_at = db.Column(UTCDateTime)
    delivered_at = db.Column(UTCDateTime)
    opened_at = db.Column(UTCDateTime)
    acknowledged_at = db.Column(UTCDateTime)
    effective_at = db.Column(UTCDateTime)
    address_id = db.Column(db.ForeignKey("service_addresses.id"))  # the confirmed address it went to

    service = db.relationship("ServiceOfDocument", back_populates="attempts")
    sms = db.relationship("SmsMessage")
    confirmed_address = db.relationship("ServiceAddress")

    __table_args__ = (sa.CheckConstraint(sa.column("channel").in_(CHANNELS), name="channel"),)


ADDRESS_STATES = ("pending", "confirmed", "revoked")
CONFIRMED_BY = ("code", "in_person")


class ServiceAddress(db.Model):
    """A service address (送达地址) for one party in one case, owned by the account that will read
    what is served there: the party, or their lawyer when represented. It is used for service only
    once confirmed: by its owner entering a code sent to it while signed in as themselves, or by a
    clerk recording an in-person confirmation (who, when, how)."""
    __tablename__ = "service_addresses"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False, index=True)
    owner_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    channel = db.Column(db.String(8), nullable=False, default="sms")
    address = db.Column(db.String(200), nullable=False)
    state = db.Column(db.String(12), nullable=False, default="pending")
    proposed_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    code_hash = db.Column(db.String(64))
    code_sent_at = db.Column(UTCDateTime)
    code_expires_at = db.Column(UTCDateTime)
    code_attempts = db.Column(db.Integer, nullable=False, default=0)
    confirmed_at = db.Column(UTCDateTime)
    confirmed_by_id = db.Column(db.ForeignKey("users.id"))
    confirmed_how = db.Column(db.String(12))
    confirmation_note = db.Column(db.String(300))  # in person: how the clerk checked who and which number
    revoked_at = db.Column(UTCDateTime)

    case = db.relationship("Case")
    party = db.relationship("CaseParty")
    owner = db.relationship("User", foreign_keys=[owner_id])
    proposed_by = db.relationship("User", foreign_keys=[proposed_by_id])
    confirmed_by = db.relationship("User", foreign_keys=[confirmed_by_id])

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(ADDRESS_STATES), name="state"),
                      sa.CheckConstraint(sa.column("channel").in_(CHANNELS), name="channel"),
                      sa.CheckConstraint(sa.column("confirmed_how").in_(CONFIRMED_BY), name="confirmed_how"))

    def can_view(self, user):
        """Court staff of the case's court, the owner, and the party's own account."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_staff:
            return self.case.can_review(user)
        return user.id in (self.owner_id, self.party.user_id)
