"""product photos

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:03:51.083445
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('image_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_image_blobs'))
    )
    op.create_table('product_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('upload_sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_photos_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_product_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_photos'))
    )
    with op.batch_alter_table('product_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_photos_product_id'), ['product_id'], unique=False)

    op.create_table('photo_variants',
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['blob_sha256'], ['image_blobs.sha256'], name=op.f('fk_photo_variants_blob_sha256_image_blobs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['photo_id'], ['product_photos.id'], name=op.f('fk_photo_variants_photo_id_product_photos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('photo_id', 'width', name=op.f('pk_photo_variants'))
    )
    with op.batch_alter_table('photo_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_variants_blob_sha256'), ['blob_sha256'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('photo_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_variants_blob_sha256'))

    op.drop_table('photo_variants')
    with op.batch_alter_table('product_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_photos_product_id'))

    op.drop_table('product_photos')
    op.drop_table('image_blobs')
