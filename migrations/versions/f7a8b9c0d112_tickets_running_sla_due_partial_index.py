"""ix_tickets_running_sla_due: the 기한 임박 view reads running clocks nearest-due first from one
partial index instead of sorting every unresolved ticket

Revision ID: f7a8b9c0d112
Revises: e6f7a8b9c011
Create Date: 2026-12-04 02:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a8b9c0d112'
down_revision = 'e6f7a8b9c011'
branch_labels = None
depends_on = None

RUNNING_SLA = "status IN ('new', 'open', 'pending', 'on_hold') AND sla_due_at IS NOT NULL AND sla_paused IS false"


def upgrade():
    op.create_index('ix_tickets_running_sla_due', 'tickets', ['sla_due_at', 'id'],
                    postgresql_where=sa.text(RUNNING_SLA), sqlite_where=sa.text(RUNNING_SLA))


def downgrade():
    op.drop_index('ix_tickets_running_sla_due', table_name='tickets')
