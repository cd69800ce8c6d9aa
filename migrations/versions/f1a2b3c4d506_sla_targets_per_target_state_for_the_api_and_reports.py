"""sla_targets: each ticket's SLA targets as the clock last computed them (API state, reports)

Revision ID: f1a2b3c4d506
Revises: e7f8a9b0c105
Create Date: 2026-12-03 08:30:00.000000

Existing tickets get their rows from `flask sla targets` (the clock recomputes each ticket
from its history; Alembic cannot run the business calendar).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d506'
down_revision = 'e7f8a9b0c105'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sla_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(length=20), nullable=False),
        sa.Column('cycle', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('target_minutes', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('warn_at', sa.DateTime(), nullable=True),
        sa.Column('fulfilled_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=True),
        sa.Column('business_minutes', sa.Float(), nullable=True),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('membership', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['queue_id'], ['support_queues.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'metric', 'cycle', name='uq_sla_targets_ticket_metric_cycle'),
    )
    op.create_index('ix_sla_targets_fulfilled', 'sla_targets', ['fulfilled_at'], unique=False)
    op.create_index('ix_sla_targets_due', 'sla_targets', ['due_at'], unique=False)


def downgrade():
    op.drop_index('ix_sla_targets_due', table_name='sla_targets')
    op.drop_index('ix_sla_targets_fulfilled', table_name='sla_targets')
    op.drop_table('sla_targets')
