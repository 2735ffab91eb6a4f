"""The micro courtroom (微法庭): hearings, their thread of messages, litigation items (诉讼事项),
evidence (证据) with exhibit numbers, deadline changes, extension requests and sent reminders."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.court import HEARING_STAFF

PURPOSES = ("evidence_exchange", "talk", "mediation", "trial", "enforcement_talk")
MODES = ("async", "sync")
HEARING_STATES = ("open", "closed")
PARTICIPANT_ROLES = ("judge", "clerk", "plaintiff", "defendant", "applicant", "respondent", "third_party", "lawyer")
MESSAGE_KINDS = ("text", "item", "answer", "system")
ITEM_STATES = ("open", "closed")
EXTENSION_STATES = ("pending", "granted", "refused")
TRIAL_STAGES = ("claims", "evidence", "debate", "final")  # 诉辩意见, 举证质证, 辩论意见, 最后陈述


class Hearing(db.Model):
    """A hearing room (微法庭) for one stage of a case: evidence exchange, talk, mediation, trial."""
    __tablename__ = "hearings"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    purpose = db.Column(db.String(24), nullable=False)
    mode = db.Column(db.String(8), nullable=False, default="async")
    state = db.Column(db.String(8), nullable=False, default="open")
    title = db.Column(db.String(200), nullable=False, default="")
    opened_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    closed_at = db.Column(UTCDateTime)
    # Bumped on every change a viewer should see (part of the polling ETag).
    changed_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    case = db.relationship("Case")
    opened_by = db.relationship("User")
    participants = db.relationship("HearingParticipant", back_populates="hearing", order_by="HearingParticipant.id",
                                   cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint(sa.column("purpose").in_(PURPOSES), name="purpose"),
                      sa.CheckConstraint(sa.column("mode").in_(MODES), name="mode"),
                      sa.CheckConstraint(sa.column("state").in_(HEARING_STATES), name="state"))

    @property
    def is_open(self):
        return self.state == "open"

    def participant_for(self, user):
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return next((p for p in self.participants if p.user_id == user.id), None)

    def can_run(self, user):
        """Judges and clerks of the case's court run the room."""
        return self.case.can_run(user)

    def can_view(self, user):
        """Taking part in *this* hearing: a party left out of it (a mediation session with one side
        only) sees none of its messages, exhibits, thumbnails or transcript."""
        return self.can_run(user) or (self.case.can_view(user) and self.participant_for(user) is not None)


class HearingParticipant(db.Model):
    __tablename__ = "hearing_participants"
    id = db.Column(db.Integer, primary_key=True)
    hearing_id = db.Column(db.ForeignKey("hearings.id"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    party_id = db.Column(db.ForeignKey("case_parties.id"))  # the party spoken for (a lawyer's client)
    role = db.Column(db.String(16), nullable=False)
    name = db.Column(db.String(100), nullable=False)
    verified_at = db.Column(UTCDateTime)
    verified_method = db.Column(db.String(16))
    verified_session_id = db.Column(db.Integer)  # the sign-in session whose face check admitted them
    last_seen_at = db.Column(UTCDateTime)

    hearing = db.relationship("Hearing", back_populates="participants")
    user = db.relationship("User")
    party = db.relationship("CaseParty")

    __table_args__ = (sa.UniqueConstraint("hearing_id", "user_id", name="uq_hearing_participants_hearing_user"),
                      sa.CheckConstraint(sa.column("role").in_(PARTICIPANT_ROLES), name="role"))

    @property
    def is_staff(self):
        return self.role in HEARING_STAFF


class Message(db.Model):
    """One entry of the thread, in time order: text, an item posted, an answer, or a system note."""
    __tablename__ = "hearing_messages"
    id = db.Column(db.Integer, primary_key=True)
    hearing_id = db.Column(db.ForeignKey("hearings.id"), nullable=False)
    kind = db.Column(db.String(8), nullable=False, default="text")
    author_id = db.Column(db.ForeignKey("users.id"))
    author_name = db.Column(db.String(100), nullable=False, default="")
    author_role = db.Column(db.String(16), nullable=False, default="")
    text = db.Column(db.Text, nullable=False, default="")
    data = db.Column(db.JSON)  # system notes: what happened, rendered in the reader's language
    item_id = db.Column(db.ForeignKey("hearing_items.id", use_alter=True), index=True)
    reply_to_id = db.Column(db.ForeignKey("hearing_messages.id"))
    about_evidence_id = db.Column(db.ForeignKey("hearing_evidence.id", use_alter=True))
    late = db.Column(db.Boolean, nullable=False, default=False)
    idempotency_key = db.Column(db.String(64))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    reply_to = db.relationship("Message", remote_side=[id])
    item = db.relationship("HearingItem", foreign_keys=[item_id])
    about_evidence = db.relationship("Evidence", foreign_keys=[about_evidence_id])
    evidence = db.relationship("Evidence", foreign_keys="Evidence.message_id", order_by="Evidence.id",
                               back_populates="message")
    hearing = db.relationship("Hearing")

    def can_view(self, user):
        return self.hearing.can_view(user)

    __table_args__ = (
        sa.UniqueConstraint("author_id", "idempotency_key", name="uq_hearing_messages_author_key"),
        sa.Index("ix_hearing_messages_hearing_id_id", "hearing_id", "id"),  # keyset pagination and polling
        sa.CheckConstraint(sa.column("kind").in_(MESSAGE_KINDS), name="kind"),
    )


class HearingItem(db.Model):
    """A litigation item (诉讼事项): a question or task for one or more parties, with an answer deadline."""
    __tablename__ = "hearing_items"
    id = db.Column(db.Integer, primary_key=True)
    hearing_id = db.Column(db.ForeignKey("hearings.id"), nullable=False, index=True)
    message_id = db.Column(db.ForeignKey("hearing_messages.id"))
    author_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    text = db.Column(db.Text, nullable=False)
    deadline = db.Column(UTCDateTime, nullable=False, index=True)
    state = db.Column(db.String(8), nullable=False, default="open")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    closed_at = db.Column(UTCDateTime)

    hearing = db.relationship("Hearing")
    author = db.relationship("User")
    addressees = db.relationship("ItemAddressee", back_populates="item", order_by="ItemAddressee.id",
                                 cascade="all, delete-orphan")
    changes = db.relationship("DeadlineChange", order_by="DeadlineChange.id")
    extension_requests = db.relationship("ExtensionRequest", order_by="ExtensionRequest.id", back_populates="item")

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(ITEM_STATES), name="state"),)

    @property
    def is_open(self):
        return self.state == "open"

    @property
    def overdue(self):
        return utcnow() > self.deadline

    def can_view(self, user):
        return self.hearing.can_view(user)

    def addressee_for(self, user):
        return next((a for a in self.addressees if user.id in (a.party.user_id, a.party.lawyer_id)), None)


class ItemAddressee(db.Model):
    __tablename__ = "hearing_item_addressees"
    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.ForeignKey("hearing_items.id"), nullable=False, index=True)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False)
    answer_message_id = db.Column(db.ForeignKey("hearing_messages.id"))
    answered_at = db.Column(UTCDateTime)
    late = db.Column(db.Boolean, nullable=False, default=False)

    item = db.relationship("HearingItem", back_populates="addressees")
    party = db.relationship("CaseParty")

    __table_args__ = (sa.UniqueConstraint("item_id", "party_id", name="uq_hearing_item_addressees_item_party"),)


class Evidence(db.Model):
    """An attachment received in a hearing: original bytes kept, exhibit number unique per case."""
    __tablename__ = "hearing_evidence"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False)
    hearing_id = db.Column(db.ForeignKey("hearings.id"), nullable=False, index=True)
    message_id = db.Column(db.ForeignKey("hearing_messages.id"), index=True)
    exhibit_no = db.Column(db.Integer, nullable=False)
    file_id = db.Column(db.ForeignKey("stored_files.id"), nullable=False)
    thumbnail_file_id = db.Column(db.ForeignKey("stored_files.id"))
    submitted_by_id = db.Column(db.ForeignKey("users.id"))
    party_id = db.Column(db.ForeignKey("case_parties.id"))
    kind = db.Column(db.String(16), nullable=False, default="evidence")  # evidence | video_statement
    trial_stage = db.Column(db.String(16))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    file = db.relationship("StoredFile", foreign_keys=[file_id])
    thumbnail = db.relationship("StoredFile", foreign_keys=[thumbnail_file_id])
    submitted_by = db.relationship("User")
    message = db.relationship("Message", foreign_keys=[message_id], back_populates="evidence")
    hearing = db.relationship("Hearing")

    __table_args__ = (sa.UniqueConstraint("case_id", "exhibit_no", name="uq_hearing_evidence_case_exhibit"),)

    @property
    def label(self):
        return f"证据{self.exhibit_no}"

    @property
    def is_image(self):
        return self.file.content_type.startswith("image/")

    def can_view(self, user):
        """An exhibit belongs to the hearing it was received in: its participants and the court."""
        return self.hearing.can_view(user)


class DeadlineChange(db.Model):
    """Every change of an item's deadline; earlier deadlines are never overwritten."""
    __tablename__ = "hearing_deadline_changes"
    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.ForeignKey("hearing_items.id"), nullable=False, index=True)
    old_deadline = db.Column(UTCDateTime, nullable=False)
    new_deadline = db.Column(UTCDateTime, nullable=False)
    reason = db.Column(db.Text, nullable=False, default="")
    actor_id = db.Column(db.ForeignKey("users.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class ExtensionRequest(db.Model):
    """A party asking for more time on an item (申请延期)."""
    __tablename__ = "hearing_extension_requests"
    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.ForeignKey("hearing_items.id"), nullable=False, index=True)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False)
    requested_by_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    state = db.Column(db.String(8), nullable=False, default="pending")
    decided_by_id = db.Column(db.ForeignKey("users.id"))
    decided_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    item = db.relationship("HearingItem", back_populates="extension_requests")
    party = db.relationship("CaseParty")
    requested_by = db.relationship("User", foreign_keys=[requested_by_id])

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(EXTENSION_STATES), name="state"),)


class ReminderSent(db.Model):
    """One row per reminder sent: the unique key makes reminders exactly-once, even when the periodic
    job runs twice or concurrently. The deadline is part of the key so an extended deadline gets
    its own reminders."""
    __tablename__ = "hearing_reminders_sent"
    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.ForeignKey("hearing_items.id"), nullable=False)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    threshold = db.Column(db.String(16), nullable=False)  # "24h", "2h", ... or "overdue"
    deadline = db.Column(UTCDateTime, nullable=False)
    sms_id = db.Column(db.ForeignKey("sms_messages.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("item_id", "user_id", "threshold", "deadline",
                                          name="uq_hearing_reminders_sent_once"),)


class AsyncTrialConditions(db.Model):
    """The conditions of an asynchronous trial (SPC Online Litigation Rules 2021, Art. 20 ¶2)."""
    __tablename__ = "hearing_async_trial_conditions"
    id = db.Column(db.Integer, primary_key=True)
    hearing_id = db.Column(db.ForeignKey("hearings.id"), nullable=False, unique=True)
    procedure = db.Column(db.String(16))  # small_claims | simplified
    applicant_party_id = db.Column(db.ForeignKey("case_parties.id"))
    application_text = db.Column(db.Text)
    applied_at = db.Column(UTCDateTime)
    condition_one_reason = db.Column(db.Text)  # (一) why being online at the same time is truly difficult
    facts_confirmed_by_id = db.Column(db.ForeignKey("users.id"))
    facts_confirmed_at = db.Column(UTCDateTime)
    enabled_at = db.Column(UTCDateTime)
    enabled_by_id = db.Column(db.ForeignKey("users.id"))

    applicant = db.relationship("CaseParty")
