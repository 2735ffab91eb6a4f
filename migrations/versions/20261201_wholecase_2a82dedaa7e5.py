"""wholecase: one case lifecycle (closing, procedure), companies as parties, court fees, court documents,
applications, the case channel, the async-trial condition (一)

Revision ID: 2a82dedaa7e5
Revises: 3b9d4e7a1c52
Create Date: 2026-12-01 17:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2a82dedaa7e5'
down_revision = "3b9d4e7a1c52"
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
        batch_op.add_column(sa.Column('procedure', sa.String(length=16), server_default='ordinary', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_cases_procedure'),
                                         "procedure IN ('ordinary', 'simplified', 'small_claims')")
        batch_op.add_column(sa.Column('close_reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_cases_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_state'), _states(NEW_STATES))
    with op.batch_alter_table('hearing_async_trial_conditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('condition_one_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_type', sa.String(length=20), server_default='person', nullable=False))
        batch_op.add_column(sa.Column('id_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('representative_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('representative_title', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('agent_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('agent_title', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('lawyer_special_authority', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_case_parties_party_type'),
                                         "party_type IN ('person', 'legal_person', 'organisation')")
        batch_op.create_check_constraint(batch_op.f('ck_case_parties_id_type'),
                                         "id_type IS NULL OR id_type IN ('resident_id', 'passport', "
                                         "'hk_macao_permit', 'taiwan_permit', 'uscc')")

    op.create_table('case_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('court_answer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('court_answer_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_messages_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_messages_case_id_cases')),
    sa.ForeignKeyConstraint(['court_answer_by_id'], ['users.id'], name=op.f('fk_case_messages_court_answer_by_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_case_messages_party_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_messages')),
    sa.UniqueConstraint('author_id', 'key', name='uq_case_messages_author_key')
    )
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_messages_case_id'), ['case_id'], unique=False)

    op.create_table('case_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reasons', sa.Text(), nullable=True),
    sa.Column('decision_file_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('extend_evidence', 'postpone_hearing', 'preservation', 'appraisal', 'withdraw')", name=op.f('ck_case_applications_kind')),
    sa.CheckConstraint("state IN ('pending', 'granted', 'refused')", name=op.f('ck_case_applications_state')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_applications_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_case_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['decision_file_id'], ['stored_files.id'], name=op.f('fk_case_applications_decision_file_id_stored_files')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_case_applications_party_id_case_parties')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_case_applications_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_applications')),
    sa.UniqueConstraint('submitted_by_id', 'key', name='uq_case_applications_submitted_by_key')
    )
    with op.batch_alter_table('case_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_applications_case_id'), ['case_id'], unique=False)

    op.create_table('court_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assessed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_due', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('basis', sa.JSON(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('notice_file_id', sa.Integer(), nullable=True),
    sa.Column('notice_code', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('acceptance', 'preservation')", name=op.f('ck_court_fees_kind')),
    sa.CheckConstraint("state IN ('due', 'paid', 'waived')", name=op.f('ck_court_fees_state')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_court_fees_case_id_cases')),
    sa.ForeignKeyConstraint(['notice_file_id'], ['stored_files.id'], name=op.f('fk_court_fees_notice_file_id_stored_files')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_court_fees_party_id_case_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_court_fees')),
    sa.UniqueConstraint('case_id', 'kind', name='uq_court_fees_case_kind')
    )
    with op.batch_alter_table('court_fees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_court_fees_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_court_fees_notice_code'), ['notice_code'], unique=False)

    op.create_table('court_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('ruling_type', sa.String(length=20), nullable=True),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('paragraphs', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('judge_id', sa.Integer(), nullable=True),
    sa.Column('judge_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clerk_id', sa.Integer(), nullable=True),
    sa.Column('clerk_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('verification_code', sa.String(length=16), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('certificate_file_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('judgment', 'ruling', 'mediation')", name=op.f('ck_court_documents_kind')),
    sa.CheckConstraint("ruling_type IS NULL OR ruling_type IN ('not_accepted', 'dismissal', 'withdrawal', 'preservation', 'deemed_withdrawal')", name=op.f('ck_court_documents_ruling_type')),
    sa.CheckConstraint("state IN ('draft', 'signed', 'issued', 'effective')", name=op.f('ck_court_documents_state')),
    sa.ForeignKeyConstraint(['application_id'], ['case_applications.id'], name=op.f('fk_court_documents_application_id_case_applications')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_court_documents_case_id_cases')),
    sa.ForeignKeyConstraint(['certificate_file_id'], ['stored_files.id'], name=op.f('fk_court_documents_certificate_file_id_stored_files')),
    sa.ForeignKeyConstraint(['clerk_id'], ['users.id'], name=op.f('fk_court_documents_clerk_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_court_documents_created_by_id_users')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_court_documents_file_id_stored_files')),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_court_documents_judge_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_court_documents'))
    )
    with op.batch_alter_table('court_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_court_documents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_court_documents_verification_code'), ['verification_code'], unique=False)

    op.create_table('fee_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fee_id', sa.Integer(), nullable=False),
    sa.Column('order_ref', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('gateway_id', sa.String(length=64), nullable=True),
    sa.Column('pay_url', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fee_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['fee_id'], ['court_fees.id'], name=op.f('fk_fee_orders_fee_id_court_fees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_orders')),
    sa.UniqueConstraint('order_ref', name=op.f('uq_fee_orders_order_ref'))
    )
    with op.batch_alter_table('fee_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_orders_fee_id'), ['fee_id'], unique=False)

    op.create_table('fee_reliefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reasons', sa.Text(), nullable=True),
    sa.Column('new_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('new_due_on', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('defer', 'reduce', 'waive')", name=op.f('ck_fee_reliefs_kind')),
    sa.CheckConstraint("state IN ('pending', 'granted', 'refused')", name=op.f('ck_fee_reliefs_state')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_fee_reliefs_decided_by_id_users')),
    sa.ForeignKeyConstraint(['fee_id'], ['court_fees.id'], name=op.f('fk_fee_reliefs_fee_id_court_fees')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_fee_reliefs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_reliefs'))
    )
    with op.batch_alter_table('fee_reliefs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_reliefs_fee_id'), ['fee_id'], unique=False)

    op.create_table('fee_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fee_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('gateway', 'clerk')", name=op.f('ck_fee_payments_channel')),
    sa.ForeignKeyConstraint(['fee_id'], ['court_fees.id'], name=op.f('fk_fee_payments_fee_id_court_fees')),
    sa.ForeignKeyConstraint(['order_id'], ['fee_orders.id'], name=op.f('fk_fee_payments_order_id_fee_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_fee_payments_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payments')),
    sa.UniqueConstraint('channel', 'reference', name='uq_fee_payments_channel_reference')
    )
    with op.batch_alter_table('fee_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_payments_fee_id'), ['fee_id'], unique=False)


def downgrade():
    with op.batch_alter_table('hearing_async_trial_conditions', schema=None) as batch_op:
        batch_op.drop_column('condition_one_reason')
    with op.batch_alter_table('fee_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_payments_fee_id'))

    op.drop_table('fee_payments')
    with op.batch_alter_table('fee_reliefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_reliefs_fee_id'))

    op.drop_table('fee_reliefs')
    with op.batch_alter_table('fee_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_orders_fee_id'))

    op.drop_table('fee_orders')
    with op.batch_alter_table('court_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_court_documents_verification_code'))
        batch_op.drop_index(batch_op.f('ix_court_documents_case_id'))

    op.drop_table('court_documents')
    with op.batch_alter_table('court_fees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_court_fees_notice_code'))
        batch_op.drop_index(batch_op.f('ix_court_fees_case_id'))

    op.drop_table('court_fees')
    with op.batch_alter_table('case_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_applications_case_id'))

    op.drop_table('case_applications')
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_messages_case_id'))

    op.drop_table('case_messages')
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_parties_id_type'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_case_parties_party_type'), type_='check')
        for column in ('lawyer_special_authority', 'agent_title', 'agent_name', 'representative_title', 'representative_name', 'id_type',
                       'party_type'):
            batch_op.drop_column(column)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cases_state'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_state'), _states(OLD_STATES))
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('close_reason')
        batch_op.drop_constraint(batch_op.f('ck_cases_procedure'), type_='check')
        batch_op.drop_column('procedure')
