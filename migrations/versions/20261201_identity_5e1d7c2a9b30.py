"""identity: ID card self-enrolment per court, held actions for step-up checks

Revision ID: 5e1d7c2a9b30
Revises: f62500bce707
Create Date: 2026-12-01 17:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e1d7c2a9b30'
down_revision = 'f62500bce707'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_card_enrolment', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table('held_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('back', sa.String(length=500), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(sa.column('reason').in_(('face_check', 'sign_in')), name=op.f('ck_held_actions_reason')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_held_actions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_actions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_held_actions_key_hash'))
    )
    with op.batch_alter_table('held_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_actions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('held_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_actions_user_id'))
    op.drop_table('held_actions')
    with op.batch_alter_table('courts', schema=None) as batch_op:
        batch_op.drop_column('id_card_enrolment')
