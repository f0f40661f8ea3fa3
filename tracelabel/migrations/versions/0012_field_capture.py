"""field capture: event times and positions, event photos, idempotency keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 10:00:00

``trace_events`` gains ``received_at`` (when the event reached the server; existing rows take their
``recorded_at``, which until now was exactly that) and the phone's position. SQLite: plain
``ALTER TABLE ADD COLUMN`` (``trace_events`` has children; it is never copied), with a constant
default the backfill then replaces, since SQLite refuses a non-constant one.
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

EPOCH = '1970-01-01 00:00:00'


def upgrade() -> None:
    op.add_column('trace_events', sa.Column('received_at', tracelabel.db.UTCDateTime(timezone=True),
                                            nullable=False, server_default=EPOCH))
    op.execute("UPDATE trace_events SET received_at = recorded_at")
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('trace_events', 'received_at', server_default=None)
    op.add_column('trace_events', sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('trace_events', sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('trace_events', sa.Column('position_accuracy_m', sa.Integer(), nullable=True))

    op.create_table(
        'event_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('upload_sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['trace_events.id'],
                                name=op.f('fk_event_photos_event_id_trace_events'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_event_photos_uploaded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_photos')),
    )
    op.create_index(op.f('ix_event_photos_event_id'), 'event_photos', ['event_id'], unique=False)
    op.create_table(
        'event_photo_variants',
        sa.Column('photo_id', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('blob_sha256', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['blob_sha256'], ['image_blobs.sha256'],
                                name=op.f('fk_event_photo_variants_blob_sha256_image_blobs'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['photo_id'], ['event_photos.id'],
                                name=op.f('fk_event_photo_variants_photo_id_event_photos'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('photo_id', 'width', name=op.f('pk_event_photo_variants')),
    )
    op.create_index(op.f('ix_event_photo_variants_blob_sha256'), 'event_photo_variants',
                    ['blob_sha256'], unique=False)
    op.create_table(
        'idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
        sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_keys_user_key'),
    )


def downgrade() -> None:
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_event_photo_variants_blob_sha256'), table_name='event_photo_variants')
    op.drop_table('event_photo_variants')
    op.drop_index(op.f('ix_event_photos_event_id'), table_name='event_photos')
    op.drop_table('event_photos')
    op.drop_column('trace_events', 'position_accuracy_m')
    op.drop_column('trace_events', 'longitude')
    op.drop_column('trace_events', 'latitude')
    op.drop_column('trace_events', 'received_at')
