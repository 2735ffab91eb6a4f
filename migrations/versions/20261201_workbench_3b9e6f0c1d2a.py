"""workbench: bulk acts (one row per bulk form sent, for idempotency and the record); hearings marked
read; the court administrator's audit trail

Revision ID: 3b9e6f0c1d2a
Revises: 9b3c2a298d61
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3b9e6f0c1d2a'
down_revision = "9b3c2a298d61"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bulk_acts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('court_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(sa.column('kind').in_(('open_series', 'serve')), name=op.f('ck_bulk_acts_kind')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_bulk_acts_actor_id_users')),
    sa.ForeignKeyConstraint(['court_id'], ['courts.id'], name=op.f('fk_bulk_acts_court_id_courts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_acts')),
    sa.UniqueConstraint('actor_id', 'key', name=op.f('uq_bulk_acts_actor_id'))
    )
    with op.batch_alter_table('bulk_acts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_acts_court_id'), ['court_id'], unique=False)

    op.create_table('workbench_hearing_seen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_workbench_hearing_seen_hearing_id_hearings')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workbench_hearing_seen_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workbench_hearing_seen')),
    sa.UniqueConstraint('user_id', 'hearing_id', name=op.f('uq_workbench_hearing_seen_user_id'))
    )
    with op.batch_alter_table('workbench_hearing_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workbench_hearing_seen_hearing_id'), ['hearing_id'], unique=False)

    op.create_table('court_admin_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('court_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_court_admin_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['court_id'], ['courts.id'], name=op.f('fk_court_admin_changes_court_id_courts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_court_admin_changes'))
    )
    with op.batch_alter_table('court_admin_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_court_admin_changes_court_id'), ['court_id'], unique=False)


def downgrade():
    with op.batch_alter_table('court_admin_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_court_admin_changes_court_id'))
    op.drop_table('court_admin_changes')
    with op.batch_alter_table('workbench_hearing_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workbench_hearing_seen_hearing_id'))
    op.drop_table('workbench_hearing_seen')
    with op.batch_alter_table('bulk_acts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_acts_court_id'))
    op.drop_table('bulk_acts')
