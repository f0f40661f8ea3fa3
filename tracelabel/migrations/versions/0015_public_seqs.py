"""public seqs: the audit entries that last changed what public pages show and the directory lists

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 16:30:00

The page caches and the directory's sorted lists are kept until these move; both start at the
chain's head, so the first visit after the upgrade renders and sorts afresh.
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_head') as batch_op:
        batch_op.add_column(sa.Column('page_seq', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('directory_seq', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute("UPDATE audit_head SET page_seq = seq, directory_seq = seq")


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch_op:
        batch_op.drop_column('directory_seq')
        batch_op.drop_column('page_seq')
