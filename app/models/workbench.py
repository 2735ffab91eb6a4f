"""Bulk acts of the workbench (批量操作): one row per form sent, so a second tap of the same form gets
the first answer instead of doing the work twice, and the court keeps who did what in bulk."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

BULK_KINDS = ("open_series", "serve")


class BulkAct(db.Model):
    __tablename__ = "bulk_acts"
    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    court_id = db.Column(db.ForeignKey("courts.id"), nullable=False, index=True)
    key = db.Column(db.String(64), nullable=False)  # made when the form was shown
    kind = db.Column(db.String(16), nullable=False)
    case_ids = db.Column(db.JSON, nullable=False, default=list)
    result = db.Column(db.JSON, nullable=False, default=dict)  # {"done": n, "cases": [numbers]}
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    actor = db.relationship("User")

    __table_args__ = (sa.UniqueConstraint("actor_id", "key", name="uq_bulk_acts_actor_id"),
                      sa.CheckConstraint(sa.column("kind").in_(BULK_KINDS), name="kind"))


class HearingSeen(db.Model):
    """When a court user last marked a hearing's answers as read on the workbench ("answered since I
    last looked"), beside the room's own record of their visits (`HearingParticipant.last_seen_at`)."""
    __tablename__ = "workbench_hearing_seen"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    hearing_id = db.Column(db.ForeignKey("hearings.id"), nullable=False, index=True)
    seen_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "hearing_id", name="uq_workbench_hearing_seen_user_id"),)


class AdminChange(db.Model):
    """One change made by a court's administrator (法院管理员): what, from what, to what, by whom, when.
    Never updated or deleted: it is the court administration's audit trail."""
    __tablename__ = "court_admin_changes"
    id = db.Column(db.Integer, primary_key=True)
    court_id = db.Column(db.ForeignKey("courts.id"), nullable=False, index=True)
    actor_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    target = db.Column(db.String(40), nullable=False)  # "court", "user:12"
    field = db.Column(db.String(40), nullable=False)
    old = db.Column(db.Text)
    new = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    actor = db.relationship("User")
