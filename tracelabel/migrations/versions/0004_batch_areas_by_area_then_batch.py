"""batch areas by area then batch

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 22:22:29.336384
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batch_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_areas_area_id'))
        batch_op.create_index('ix_batch_areas_area_batch', ['area_id', 'batch_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('batch_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_areas_area_batch')
        batch_op.create_index(batch_op.f('ix_batch_areas_area_id'), ['area_id'], unique=False)

