"""satisfaction_ratings: CSAT (만족도), asked once per solve, answered by a signed link

Revision ID: a2b3c4d5e607
Revises: f1a2b3c4d506
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2b3c4d5e607'
down_revision = 'f1a2b3c4d506'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'satisfaction_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('solve_number', sa.Integer(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('asked_at', sa.DateTime(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('rated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['queue_id'], ['support_queues.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'solve_number', name='uq_satisfaction_ratings_ticket_solve'),
    )
    op.create_index('ix_satisfaction_ratings_assignee_rated', 'satisfaction_ratings', ['assignee_id', 'rated_at'],
                    unique=False)
    op.create_index('ix_satisfaction_ratings_rated', 'satisfaction_ratings', ['rated_at'], unique=False)


def downgrade():
    op.drop_index('ix_satisfaction_ratings_rated', table_name='satisfaction_ratings')
    op.drop_index('ix_satisfaction_ratings_assignee_rated', table_name='satisfaction_ratings')
    op.drop_table('satisfaction_ratings')
