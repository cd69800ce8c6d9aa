"""sla_daily_figures and sla_rollup_days: closed Seoul days of SLA targets summed by the worker,
so the SLA report reads a quarter from daily rows instead of every target

Revision ID: e6f7a8b9c011
Revises: d5e6f7a8b910
Create Date: 2026-12-04 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'e6f7a8b9c011'
down_revision = 'd5e6f7a8b910'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sla_rollup_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('rolled_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('day'),
    )
    op.create_table(
        'sla_daily_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('metric', sa.String(length=20), nullable=False),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('met', sa.Integer(), nullable=False),
        sa.Column('breached', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.JSON().with_variant(postgresql.ARRAY(sa.Float()), 'postgresql'), nullable=False),
        sa.ForeignKeyConstraint(['queue_id'], ['support_queues.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sla_daily_figures_day', 'sla_daily_figures', ['day'])


def downgrade():
    op.drop_index('ix_sla_daily_figures_day', table_name='sla_daily_figures')
    op.drop_table('sla_daily_figures')
    op.drop_table('sla_rollup_days')
