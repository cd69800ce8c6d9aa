"""users.sla_digest: a lead may take one SLA summary a day instead of a notice per warning and breach

Revision ID: c4d5e6f7a809
Revises: b3c4d5e6f708
Create Date: 2026-12-03 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a809'
down_revision = 'b3c4d5e6f708'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('sla_digest', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('sla_digest_sent_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('sla_digest_sent_on')
        batch.drop_column('sla_digest')
