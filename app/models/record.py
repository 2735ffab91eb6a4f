"""What keeps the court record whole: the durable job outbox and the idempotency keys of creating forms."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

JOB_STATES = ("pending", "queued", "running", "done", "failed")


class JobOutbox(db.Model):
    """One background job (后台任务), written in the same transaction as its cause.

    `pending` until RQ has it, `queued` once enqueued, `running` while a worker holds it, then `done`
    or `failed`. The periodic sweep re-enqueues pending rows that Redis never got and running rows
    whose worker died; `key` makes asking twice for the same job a no-op."""
    __tablename__ = "jobs_outbox"
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(200), nullable=False, unique=True)
    func = db.Column(db.String(200), nullable=False)
    args = db.Column(db.JSON, nullable=False, default=list)
    queue = db.Column(db.String(20), nullable=False)
    timeout = db.Column(db.Integer)
    retry = db.Column(db.JSON)  # [max, [intervals...]] for RQ's own retries, or null
    state = db.Column(db.String(10), nullable=False, default="pending")
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.String(500))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    enqueued_at = db.Column(UTCDateTime)
    started_at = db.Column(UTCDateTime)
    finished_at = db.Column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(JOB_STATES), name="state"),
                      sa.Index("ix_jobs_outbox_state_created_at", "state", "created_at"))


class IdempotencyKey(db.Model):
    """A creating form's key (幂等键), made when the form was rendered: the first POST with it acts and
    records where its result is; a second POST with the same key is sent there instead of acting again."""
    __tablename__ = "idempotency_keys"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id"), nullable=False)
    key = db.Column(db.String(64), nullable=False)
    scope = db.Column(db.String(60), nullable=False)
    result_url = db.Column(db.String(500))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)


class SecurityCounter(db.Model):
    """Unused since the merge: password failures are counted per account in `users`
    (`auth.staff_password_login`). The table is left in place; dropping it needs its own migration."""
    __tablename__ = "security_counters"
    key = db.Column(db.String(160), primary_key=True)
    n = db.Column(db.Integer, nullable=False, default=0)
    window_start = db.Column(UTCDateTime, nullable=False, default=utcnow)
