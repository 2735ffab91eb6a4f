"""security: confirmed service addresses, sign-in code requests, staff lockout counters

Revision ID: 42065b00c3a1
Revises: 5e1d7c2a9b30
Create Date: 2026-12-01 17:47:29.152304

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '42065b00c3a1'
down_revision = "5e1d7c2a9b30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_code_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.CheckConstraint("outcome IN ('sent', 'unknown', 'expired')", name=op.f('ck_sign_in_code_requests_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_code_requests'))
    )
    with op.batch_alter_table('sign_in_code_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_code_requests_created_at'), ['created_at'], unique=False)

    op.create_table('service_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_attempts', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_how', sa.String(length=12), nullable=True),
    sa.Column('confirmation_note', sa.String(length=300), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('sms')", name=op.f('ck_service_addresses_channel')),
    sa.CheckConstraint("confirmed_how IN ('code', 'in_person')", name=op.f('ck_service_addresses_confirmed_how')),
    sa.CheckConstraint("state IN ('pending', 'confirmed', 'revoked')", name=op.f('ck_service_addresses_state')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_service_addresses_case_id_cases')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_service_addresses_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_service_addresses_owner_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['case_parties.id'], name=op.f('fk_service_addresses_party_id_case_parties')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_service_addresses_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_addresses'))
    )
    with op.batch_alter_table('service_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_addresses_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_addresses_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_addresses_party_id'), ['party_id'], unique=False)

    with op.batch_alter_table('service_channel_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_service_channel_attempts_address_id_service_addresses'), 'service_addresses', ['address_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')

    with op.batch_alter_table('service_channel_attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_service_channel_attempts_address_id_service_addresses'), type_='foreignkey')
        batch_op.drop_column('address_id')

    with op.batch_alter_table('service_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_addresses_party_id'))
        batch_op.drop_index(batch_op.f('ix_service_addresses_owner_id'))
        batch_op.drop_index(batch_op.f('ix_service_addresses_case_id'))

    op.drop_table('service_addresses')
    with op.batch_alter_table('sign_in_code_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_code_requests_created_at'))

    op.drop_table('sign_in_code_requests')
