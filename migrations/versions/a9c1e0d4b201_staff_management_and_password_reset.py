"""staff management and password reset: users.deactivated_at, users.password_reset_sent_at,
audit_events.subject_user_id (account events)

Revision ID: a9c1e0d4b201
Revises: 813da81b4ec3
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c1e0d4b201'
down_revision = '813da81b4ec3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('password_reset_sent_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_subject_user_id_users'), 'users',
                                    ['subject_user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_audit_events_subject_user_id_id', ['subject_user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_subject_user_id_id')
        batch_op.drop_constraint(batch_op.f('fk_audit_events_subject_user_id_users'), type_='foreignkey')
        batch_op.drop_column('subject_user_id')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_reset_sent_at')
        batch_op.drop_column('deactivated_at')
