"""refund payments (reference, note, who, via) and the daily overdue notice

Revision ID: b7d2f1e3c402
Revises: a9c1e0d4b201
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2f1e3c402'
down_revision = 'a9c1e0d4b201'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('paid_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('paid_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paid_via', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('overdue_notified_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_refunds_paid_by_id_users'), 'users', ['paid_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_refunds_paid_by_id_users'), type_='foreignkey')
        batch_op.drop_column('overdue_notified_on')
        batch_op.drop_column('paid_via')
        batch_op.drop_column('paid_by_id')
        batch_op.drop_column('paid_note')
        batch_op.drop_column('paid_reference')
