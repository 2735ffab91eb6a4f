"""People who use the court (User) and their server-side sessions (UserSession)."""
import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

ROLES = ("judge", "clerk", "litigant", "lawyer", "admin")
COURT_STAFF = ("judge", "clerk", "admin")


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    role = db.Column(db.String(16), nullable=False)
    name = db.Column(db.String(100), nullable=False)
    phone = db.Column(db.String(20), unique=True)
    username = db.Column(db.String(64), unique=True)
    password_hash = db.Column(db.String(256))
    id_number = db.Column(db.String(18))
    court_id = db.Column(db.ForeignKey("courts.id"))
    active = db.Column(db.Boolean, nullable=False, default=True)
    is_demo = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Staff sign-in lockout, per account and shared by every app server (see services/auth.py).
    failed_sign_ins = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    locked_until = db.Column(UTCDateTime)

    court = db.relationship("Court")

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="role"),)

    # Set by the user loader: the server-side session this request runs under.
    session_row = None

    def get_id(self):
        # Flask-Login keeps this value in the cookie: the session token, never the user id,
        # so signing out (revoking the row) kills every copy of the cookie.
        return self._session_token

    @property
    def is_active(self):
        return self.active

    @property
    def is_staff(self):
        return self.role in COURT_STAFF

    def set_password(self, password):
        # Tests set a cheap method (TestConfig); production keeps Werkzeug's default (scrypt).
        from flask import current_app, has_app_context
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def face_verified(self):
        row = self.session_row
        return bool(row and row.face_verified_until and row.face_verified_until > utcnow())

    def __repr__(self):
        return f"<User {self.id} {self.role} {self.name}>"


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random token; the row holds its hash."""
    __tablename__ = "user_sessions"
    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    revoked_at = db.Column(UTCDateTime)
    face_verified_until = db.Column(UTCDateTime)
    method = db.Column(db.String(16), nullable=False)  # password, sms_code, link, demo_link
    ip = db.Column(db.String(64))

    user = db.relationship("User")

    @property
    def live(self):
        return self.revoked_at is None and self.expires_at > utcnow()

    def verify_face_for(self, minutes):
        self.face_verified_until = utcnow() + timedelta(minutes=minutes)
