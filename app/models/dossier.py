"""The dossier log (卷宗日志): an append-only Merkle log of every dossier record, per court, and the
signed checkpoints (签名检查点) of its tree heads.

On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of both tables (made by the migration
and, for tests built with `create_all()`, by the DDL below). The test fixture's cleaning runs with
`session_replication_role = replica`, which skips ordinary triggers.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class DossierLeaf(db.Model):
    """One record bound into a court's log: leaf `index` of the tree of log `log`. `content_sha256`
    is the SHA-256 of the record's original bytes (files) or of its canonical serialisation (rows);
    `leaf_hash` is SHA-256(0x00 || entry), the entry being the canonical JSON of this row."""
    __tablename__ = "dossier_leaves"
    id = db.Column(db.Integer, primary_key=True)
    log = db.Column(db.String(32), nullable=False)
    index = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(32), nullable=False)
    record_id = db.Column(db.Integer, nullable=False)
    case_id = db.Column(db.Integer, index=True)  # plain integer: the log outlives any row it names
    content_sha256 = db.Column(db.String(64), nullable=False, index=True)
    leaf_hash = db.Column(db.String(64), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("log", "index", name="uq_dossier_leaves_log_index"),
                      sa.UniqueConstraint("kind", "record_id", name="uq_dossier_leaves_kind_record"))


class DossierCheckpoint(db.Model):
    """A signed tree head in the C2SP signed-note format; every one is kept."""
    __tablename__ = "dossier_checkpoints"
    id = db.Column(db.Integer, primary_key=True)
    log = db.Column(db.String(32), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    root_hash = db.Column(db.String(64), nullable=False)
    note = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.Index("ix_dossier_checkpoints_log_size", "log", "size"),)


APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION dossier_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the dossier log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$"""
APPEND_ONLY_TRIGGERS = {
    table: (f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION dossier_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION dossier_append_only()")
    for table in ("dossier_leaves", "dossier_checkpoints")
}

for _table in (DossierLeaf.__table__, DossierCheckpoint.__table__):
    sa.event.listen(_table, "after_create",
                    sa.DDL(APPEND_ONLY_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql"))
    for _ddl in APPEND_ONLY_TRIGGERS[_table.name]:
        sa.event.listen(_table, "after_create", sa.DDL(_ddl).execute_if(dialect="postgresql"))
