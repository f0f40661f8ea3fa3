"""published records and official area-code status

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 07:00:00
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
