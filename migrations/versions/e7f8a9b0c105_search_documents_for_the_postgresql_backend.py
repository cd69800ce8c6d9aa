"""search_documents: the PostgreSQL search backend's bigram tsvectors and exact keys (GIN)

Revision ID: e7f8a9b0c105
Revises: c3e4a5b6d703
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'e7f8a9b0c105'
down_revision = 'c3e4a5b6d703'
branch_labels = None
depends_on = None

TERMS = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
KEYS = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        'search_documents',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('public_terms', TERMS, nullable=False),
        sa.Column('staff_terms', TERMS, nullable=False),
        sa.Column('public_keys', KEYS, nullable=False),
        sa.Column('staff_keys', KEYS, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('analysis_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    for column in ('public_terms', 'staff_terms', 'public_keys', 'staff_keys'):
        # fastupdate off: GIN's pending list would be scanned by every search until a vacuum.
        op.create_index(f'ix_search_documents_{column}', 'search_documents', [column],
                        unique=False, postgresql_using='gin', postgresql_with={'fastupdate': 'off'})


def downgrade():
    for column in ('public_terms', 'staff_terms', 'public_keys', 'staff_keys'):
        op.drop_index(f'ix_search_documents_{column}', table_name='search_documents')
    op.drop_table('search_documents')
