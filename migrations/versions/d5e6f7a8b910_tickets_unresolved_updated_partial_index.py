"""ix_tickets_unresolved_updated: the desk's unresolved views read newest activity first from one
partial index instead of sorting every unresolved ticket

Revision ID: d5e6f7a8b910
Revises: c4d5e6f7a809
Create Date: 2026-12-03 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e6f7a8b910'
down_revision = 'c4d5e6f7a809'
branch_labels = None
depends_on = None

UNRESOLVED = "status IN ('new', 'open', 'pending', 'on_hold')"


def upgrade():
    op.create_index('ix_tickets_unresolved_updated', 'tickets', ['updated_at', 'id'],
                    postgresql_where=sa.text(UNRESOLVED), sqlite_where=sa.text(UNRESOLVED))


def downgrade():
    op.drop_index('ix_tickets_unresolved_updated', table_name='tickets')
