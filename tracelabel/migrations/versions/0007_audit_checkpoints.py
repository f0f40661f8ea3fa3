"""signed audit checkpoints

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 07:00:00
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
