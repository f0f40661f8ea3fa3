"""coverage dashboard tallies: scans per product and day, per organization and week

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 10:00:00

New tables only (the tallies start empty and are rolled up from ``scans`` when the dashboard is
first read), and one index on ``batches`` for the dashboard's per-product questions.
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'product_scan_days',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('scans', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_product_scan_days_product_id_products'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id', 'day', name=op.f('pk_product_scan_days')),
    )
    op.create_table(
        'organization_scan_weeks',
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('scans', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_organization_scan_weeks_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organization_id', 'week', name=op.f('pk_organization_scan_weeks')),
    )
    op.create_table(
        'scan_rollups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_scan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('rolled_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_rollups')),
    )
    op.create_index('ix_batches_product_status', 'batches', ['product_id', 'status', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_batches_product_status', table_name='batches')
    op.drop_table('scan_rollups')
    op.drop_table('organization_scan_weeks')
    op.drop_table('product_scan_days')
