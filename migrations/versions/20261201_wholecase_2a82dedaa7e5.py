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
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_type', sa.String(length=20), server_default='person', nullable=False))
        batch_op.add_column(sa.Column('id_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('representative_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('representative_title', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('agent_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('agent_title', sa.String(length=40), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_case_parties_party_type'),
                                         "party_type IN ('person', 'legal_person', 'organisation')")
        batch_op.create_check_constraint(batch_op.f('ck_case_parties_id_type'),
                                         "id_type IS NULL OR id_type IN ('resident_id', 'passport', "
                                         "'hk_macao_permit', 'taiwan_permit', 'uscc')")


def downgrade():
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_parties_id_type'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_case_parties_party_type'), type_='check')
        for column in ('agent_title', 'agent_name', 'representative_title', 'representative_name', 'id_type',
                       'party_type'):
            batch_op.drop_column(column)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cases_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_state'), _states(OLD_STATES))
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('close_reason')
