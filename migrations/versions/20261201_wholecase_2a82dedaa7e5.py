"""wholecase: one case lifecycle (closing), companies as parties, court fees, court documents

Revision ID: 2a82dedaa7e5
Revises: f62500bce707
Create Date: 2026-12-01 17:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2a82dedaa7e5'
down_revision = 'f62500bce707'
branch_labels = None
depends_on = None

OLD_STATES = ('draft', 'submitted', 'needs_correction', 'resubmitted', 'accepted', 'rejected', 'withdrawn',
              'hearing', 'mediated', 'closed')
NEW_STATES = ('draft', 'submitted', 'needs_correction', 'resubmitted', 'accepted', 'rejected', 'withdrawn',
              'hearing', 'mediated', 'decided', 'suit_withdrawn', 'deemed_withdrawn', 'closed')


def _states(states):
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('close_reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_cases_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_state'), _states(NEW_STATES))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cases_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_state'), _states(OLD_STATES))
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('close_reason')
