"""Identity verification by face check (人脸识别身份认证): reference faces, checks, clerk reviews."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

REFERENCE_SOURCES = ("id_card", "court_enrolment", "clerk_upload", "self_upload")
REFERENCE_STATES = ("pending_approval", "active", "revoked", "rejected")
CHECK_OUTCOMES = ("match", "no_match", "borderline", "unusable", "liveness_failed", "clerk_verified")
REVIEW_REASONS = ("borderline", "failures", "pending_approval")
HOLD_REASONS = ("face_check", "sign_in")
REVIEW_RESOLUTIONS = ("verified", "dismissed", "approved", "rejected", "superseded")


class FaceReference(db.Model):
    """The face a person is checked against: its dlib encoding, where it came from, who approved it.

    The photo itself is kept only until `purge_after` (the court's retention setting); the encoding
    stays while the reference is active.
    """
    __tablename__ = "face_references"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    encoding = db.Column(db.LargeBinary, nullable=False)  # 128 float64, faces.encoding_to_bytes
    model = db.Column(db.String(64), nullable=False)
    source = db.Column(db.String(20), nullable=False)
    status = db.Column(db.String(20), nullable=False, index=True)
    image_id = db.Column(db.ForeignKey("stored_files.id"))
    id_card_image_id = db.Column(db.ForeignKey("stored_files.id"))
    # The face on the ID card photo against the reference photo (self uploads), for the clerk.
    id_card_distance = db.Column(db.Float)
    id_card_reason = db.Column(db.String(32))  # why the ID card photo had no usable face
    purge_after = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.ForeignKey("users.id"))
    approved_at = db.Column(UTCDateTime)
    approved_by_id = db.Column(db.ForeignKey("users.id"))
    note = db.Column(db.Text)

    user = db.relationship("User", foreign_keys=[user_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    approved_by = db.relationship("User", foreign_keys=[approved_by_id])
    image = db.relationship("StoredFile", foreign_keys=[image_id])
    id_card_image = db.relationship("StoredFile", foreign_keys=[id_card_image_id])

    __table_args__ = (
        sa.CheckConstraint(sa.column("source").in_(REFERENCE_SOURCES), name="source"),
        sa.CheckConstraint(sa.column("status").in_(REFERENCE_STATES), name="status"),
    )


class FaceCheck(db.Model):
    """One face check: the challenge issued, then what the photos showed and what was decided.

    `outcome` is empty while the challenge is open. A clerk's manual verification is a check too
    (outcome clerk_verified, with who and why), so the failure count restarts after it.
    """
    __tablename__ = "face_checks"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    session_id = db.Column(db.ForeignKey("user_sessions.id"), index=True)
    reference_id = db.Column(db.ForeignKey("face_references.id"))
    challenge = db.Column(db.String(20))
    started_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime)
    finished_at = db.Column(UTCDateTime)
    distance = db.Column(db.Float)
    threshold = db.Column(db.Float)
    band = db.Column(db.Float)
    model = db.Column(db.String(64))
    liveness_checked = db.Column(db.Boolean)
    outcome = db.Column(db.String(20), index=True)
    reason = db.Column(db.String(32))  # UnusableImage code, or why liveness failed
    photo = db.Column(db.String(16))  # which photo the reason is about: selfie | challenge
    detail = db.Column(db.JSON, nullable=False, default=dict)  # quality figures, yaw, eye ratio
    ip = db.Column(db.String(64))
    verified_by_id = db.Column(db.ForeignKey("users.id"))
    note = db.Column(db.Text)

    user = db.relationship("User", foreign_keys=[user_id])
    verified_by = db.relationship("User", foreign_keys=[verified_by_id])
    session = db.relationship("UserSession")

    __table_args__ = (sa.CheckConstraint(sa.column("outcome").in_(CHECK_OUTCOMES), name="outcome"),)


class ClerkReview(db.Model):
    """An entry in the clerks' "review needed" queue for a person (and a case, when known)."""
    __tablename__ = "clerk_reviews"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    case_id = db.Column(db.ForeignKey("cases.id"), index=True)
    reason = db.Column(db.String(20), nullable=False)
    check_id = db.Column(db.ForeignKey("face_checks.id"))
    reference_id = db.Column(db.ForeignKey("face_references.id"))
    status = db.Column(db.String(10), nullable=False, default="open", index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at = db.Column(UTCDateTime)
    resolved_by_id = db.Column(db.ForeignKey("users.id"))
    resolution = db.Column(db.String(20))
    note = db.Column(db.Text)

    user = db.relationship("User", foreign_keys=[user_id])
    resolved_by = db.relationship("User", foreign_keys=[resolved_by_id])
    case = db.relationship("Case")
    check = db.relationship("FaceCheck")
    reference = db.relationship("FaceReference")

    def can_view(self, user):
        """Staff of a court where the person files, is a party or a lawyer; nobody else."""
        court = getattr(user, "court", None) if getattr(user, "is_authenticated", False) else None
        return bool(court is not None and court.is_staff(user) and not self.user.is_staff
                    and court.has_person(self.user_id))

    __table_args__ = (
        sa.CheckConstraint(sa.column("reason").in_(REVIEW_REASONS), name="reason"),
        sa.CheckConstraint(sa.column("status").in_(("open", "resolved")), name="status"),
    )


class HeldAction(db.Model):
    """A form a step-up check interrupted (a face check, a sign-in): kept server-side so that the
    person comes back to the same step with their input intact (挂起的操作).

    `key_hash` ties the row to the browser that sent the form (the raw key is in its cookie
    session); `user_id`, when known, to the person. Files are not held, only form fields.
    """
    __tablename__ = "held_actions"
    id = db.Column(db.Integer, primary_key=True)
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.ForeignKey("users.id"), index=True)
    reason = db.Column(db.String(16), nullable=False)
    path = db.Column(db.String(500), nullable=False)
    back = db.Column(db.String(500), nullable=False)  # the page to go back to without sending
    fields = db.Column(db.JSON, nullable=False, default=list)  # [[name, value], ...] without the CSRF token
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    used_at = db.Column(UTCDateTime)

    user = db.relationship("User")

    __table_args__ = (sa.CheckConstraint(sa.column("reason").in_(HOLD_REASONS), name="reason"),)
