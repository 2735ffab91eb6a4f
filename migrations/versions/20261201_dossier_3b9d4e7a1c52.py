"""dossier log: Merkle leaves and signed checkpoints, append-only on PostgreSQL

Revision ID: 3b9d4e7a1c52
Revises: c753b766003f
Create Date: 2026-12-01 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# Copied, not imported, from app/models/dossier.py: a migration must not change after it lands.
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

revision = '3b9d4e7a1c52'
down_revision = "c753b766003f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_leaves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log', sa.String(length=32), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('leaf_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_leaves')),
    sa.UniqueConstraint('kind', 'record_id', name='uq_dossier_leaves_kind_record'),
    sa.UniqueConstraint('log', 'index', name='uq_dossier_leaves_log_index')
    )
    with op.batch_alter_table('dossier_leaves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_leaves_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_leaves_content_sha256'), ['content_sha256'], unique=False)
    op.create_table('dossier_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_checkpoints'))
    )
    with op.batch_alter_table('dossier_checkpoints', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_checkpoints_log_size', ['log', 'size'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # The app's role may append to the log but never change or remove a row of it.
        op.execute(APPEND_ONLY_FUNCTION)
        for statements in APPEND_ONLY_TRIGGERS.values():
            for statement in statements:
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}')
        op.execute('DROP FUNCTION IF EXISTS dossier_append_only()')
    op.drop_table('dossier_checkpoints')
    op.drop_table('dossier_leaves')
