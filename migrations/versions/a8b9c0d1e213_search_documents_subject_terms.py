"""search_documents.subject_terms: the subject's bigrams alone, a small tsvector the PostgreSQL
backend ranks by (ranking by the whole text read every match's TOASTed terms)

Rows written before this have no subject terms: their version is set to 0, so
`flask search check` reports them and `flask search check --fix` (or `reindex`) rewrites them.
Until then they are found as before and rank below subject matches.

Revision ID: a8b9c0d1e213
Revises: f7a8b9c0d112
Create Date: 2026-12-04 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR


# revision identifiers, used by Alembic.
revision = 'a8b9c0d1e213'
down_revision = 'f7a8b9c0d112'
branch_labels = None
depends_on = None

TERMS = sa.Text().with_variant(TSVECTOR(), "postgresql")


def upgrade():
    empty = sa.text("''::tsvector") if op.get_bind().dialect.name == "postgresql" else sa.text("''")
    with op.batch_alter_table('search_documents') as batch:
        batch.add_column(sa.Column('subject_terms', TERMS, nullable=False, server_default=empty))
    op.execute("UPDATE search_documents SET version = 0")
    with op.batch_alter_table('search_documents') as batch:
        batch.alter_column('subject_terms', server_default=None)  # the writer always sets it


def downgrade():
    with op.batch_alter_table('search_documents') as batch:
        batch.drop_column('subject_terms')
