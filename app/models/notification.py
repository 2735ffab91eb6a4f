"""SMS messages (短信): the transactional outbox the sender jobs drain."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

SMS_STATES = ("pending", "sent", "failed")


class SmsMessage(db.Model):
    __tablename__ = "sms_messages"
    id = db.Column(db.Integer, primary_key=True)
    phone = db.Column(db.String(20), nullable=False, index=True)
    body = db.Column(db.Text, nullable=False)
    kind = db.Column(db.String(32), nullable=False)
    user_id = db.Column(db.ForeignKey("users.id"))
    case_id = db.Column(db.ForeignKey("cases.id"))
    status = db.Column(db.String(16), nullable=False, default="pending", index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.String(300))
    gateway_ref = db.Column(db.String(100))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    sent_at = db.Column(UTCDateTime)
    delivered_at = db.Column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint(sa.column("status").in_(SMS_STATES), name="status"),)


class LoginCode(db.Model):
    """A 6-digit sign-in code sent by SMS; stored hashed, usable once, for a few minutes."""
    __tablename__ = "login_codes"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    code_hash = db.Column(db.String(64), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    used_at = db.Column(UTCDateTime)

    user = db.relationship("User")


class ActionLink(db.Model):
    """A one-time link sent by SMS that signs a person in and opens one exact step.

    GET only shows a confirm page (link scanners prefetch); the POST that follows uses it, once.
    """
    __tablename__ = "action_links"
    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    target = db.Column(db.String(300), nullable=False, default="/")
    purpose = db.Column(db.String(32), nullable=False, default="sign_in")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    used_at = db.Column(UTCDateTime)
    counts_as_face_check = db.Column(db.Boolean, nullable=False, default=False)  # demo links only

    user = db.relationship("User")


CODE_REQUEST_OUTCOMES = ("sent", "unknown", "expired")


class SignInCodeRequest(db.Model):
    """A request for an SMS sign-in code, recorded the same way for every number, registered or not.
    The job that handles it decides whether a code goes out, so the request itself (its answer, its
    timing, its queries) tells nobody who has an account; its job goes through the job outbox,
    whose sweep re-enqueues it after a Redis outage."""
    __tablename__ = "sign_in_code_requests"
    id = db.Column(db.Integer, primary_key=True)
    phone = db.Column(db.String(20), nullable=False)
    ip = db.Column(db.String(64))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    handled_at = db.Column(UTCDateTime)
    outcome = db.Column(db.String(8))

    __table_args__ = (sa.CheckConstraint(sa.column("outcome").in_(CODE_REQUEST_OUTCOMES), name="outcome"),)
