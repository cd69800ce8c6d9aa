"""SLA policies get an English name (name_en), filled in for the default policies

Revision ID: c3e4a5b6d703
Revises: d5f6a7b8c904
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e4a5b6d703'
down_revision = 'd5f6a7b8c904'
branch_labels = None
depends_on = None

# The default policies as app/services/catalogue.py seeds them. Policies an admin created
# or renamed keep name_en empty and show their Korean name in English too.
DEFAULT_ENGLISH_NAMES = {
    "위메프플러스 전용 (24시간)": "Plus members (24/7)",
    "긴급": "Urgent",
    "높음": "High",
    "보통": "Normal",
    "낮음": "Low",
}


def upgrade():
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=100), nullable=True))
    policies = sa.table('sla_policies', sa.column('name', sa.String), sa.column('name_en', sa.String))
    for name, name_en in DEFAULT_ENGLISH_NAMES.items():
        op.execute(policies.update().where(policies.c.name == name).values(name_en=name_en))


def downgrade():
    with op.batch_alter_table('sla_policies', schema=None) as batch_op:
        batch_op.drop_column('name_en')
