"""report indexes: the time columns the backlog, volume, agents and claims reports read by range

Revision ID: b3c4d5e6f708
Revises: a2b3c4d5e607
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3c4d5e6f708'
down_revision = 'a2b3c4d5e607'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_tickets_created_at", "tickets", ["created_at"]),
    ("ix_tickets_solved_at", "tickets", ["solved_at"]),
    ("ix_messages_created_author", "messages", ["created_at", "author_id"]),
    ("ix_canned_answer_uses_used_at", "canned_answer_uses", ["used_at"]),
    ("ix_refund_requests_requested_at", "refund_requests", ["requested_at"]),
    ("ix_refund_requests_decided_at", "refund_requests", ["decided_at"]),
    ("ix_refunds_created_at", "refunds", ["created_at"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
