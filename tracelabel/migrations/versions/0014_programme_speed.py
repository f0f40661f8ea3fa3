"""programme speed: each batch's first printing rolled up, a covering index for the dashboard

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 13:00:00

``labelled_batches`` starts empty with the label-run watermark at 0: the dashboard reads the label
runs past the watermark live until the worker (or ``tracelabel db upgrade``, right after this
migration) rolls them up.
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'labelled_batches',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('first_labelled_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'],
                                name=op.f('fk_labelled_batches_batch_id_batches'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_labelled_batches')),
    )
    op.create_index('ix_labelled_batches_product_first', 'labelled_batches',
                    ['product_id', 'first_labelled_at'], unique=False)
    with op.batch_alter_table('scan_rollups') as batch:
        batch.add_column(sa.Column('last_label_run_id', sa.Integer(), server_default='0',
                                   nullable=False))
    op.create_index('ix_batches_product_status_published', 'batches',
                    ['product_id', 'status', 'id', 'published_at'], unique=False)
    op.drop_index('ix_batches_product_status', table_name='batches')


def downgrade() -> None:
    op.create_index('ix_batches_product_status', 'batches', ['product_id', 'status', 'id'],
                    unique=False)
    op.drop_index('ix_batches_product_status_published', table_name='batches')
    with op.batch_alter_table('scan_rollups') as batch:
        batch.drop_column('last_label_run_id')
    op.drop_index('ix_labelled_batches_product_first', table_name='labelled_batches')
    op.drop_table('labelled_batches')
