"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 20:54:07.215867
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('tax_code', sa.String(length=20), nullable=True),
    sa.Column('province', sa.String(length=100), nullable=True),
    sa.Column('commune', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=200), nullable=True),
    sa.Column('gs1_company_prefix', sa.String(length=12), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('enterprise', 'cooperative', 'household')", name=op.f('ck_organizations_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('tax_code', name=op.f('uq_organizations_tax_code'))
    )
    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=True),
    sa.Column('food_safety_cert_no', sa.String(length=100), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_facilities_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities'))
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilities_organization_id'), ['organization_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('brand', sa.String(length=200), nullable=True),
    sa.Column('model_code', sa.String(length=100), nullable=True),
    sa.Column('ocop_group', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('standards', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=True),
    sa.Column('storage_instructions', sa.Text(), nullable=True),
    sa.Column('shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("ocop_group IN ('food', 'beverage', 'herbal', 'handicraft', 'ornamental', 'tourism', 'textile')", name=op.f('ck_products_ocop_group')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_products_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('gtin', name=op.f('uq_products_gtin')),
    sa.UniqueConstraint('id', 'organization_id', name='uq_products_id_organization')
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_organization_id'), ['organization_id'], unique=False)

    op.create_table('raw_material_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('code_status', sa.String(length=20), nullable=False),
    sa.Column('code_status_since', sa.Date(), nullable=True),
    sa.Column('material', sa.String(length=200), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('area_ha', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('standard', sa.String(length=100), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("code_status IN ('active', 'suspended', 'revoked')", name=op.f('ck_raw_material_areas_code_status')),
    sa.CheckConstraint('area_ha IS NULL OR area_ha > 0', name=op.f('ck_raw_material_areas_area_ha')),
    sa.CheckConstraint('latitude IS NULL OR (latitude >= -90 AND latitude <= 90)', name=op.f('ck_raw_material_areas_latitude')),
    sa.CheckConstraint('longitude IS NULL OR (longitude >= -180 AND longitude <= 180)', name=op.f('ck_raw_material_areas_longitude')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_raw_material_areas_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_raw_material_areas'))
    )
    with op.batch_alter_table('raw_material_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_material_areas_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_raw_material_areas_organization_id'), ['organization_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role <> 'producer' OR organization_id IS NOT NULL", name=op.f('ck_users_producer_has_organization')),
    sa.CheckConstraint("role IN ('producer', 'inspector', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_users_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organization_id'), ['organization_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('occurred_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_audit_entries_actor_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_audit_entries_prev_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_entries_seq'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_user_id'), ['actor_user_id'], unique=False)
        batch_op.create_index('ix_audit_entries_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=40), nullable=False),
    sa.Column('production_date', sa.Date(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_changed_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('units_issued', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name=op.f('ck_batches_published_has_time')),
    sa.CheckConstraint("status IN ('draft', 'published', 'suspended', 'recalled')", name=op.f('ck_batches_status')),
    sa.CheckConstraint('expiry_date IS NULL OR expiry_date >= production_date', name=op.f('ck_batches_expiry_after_production')),
    sa.CheckConstraint('quantity IS NULL OR quantity > 0', name=op.f('ck_batches_quantity_positive')),
    sa.CheckConstraint('units_issued >= 0', name=op.f('ck_batches_units_issued')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_batches_organization_id_organizations')),
    sa.ForeignKeyConstraint(['product_id', 'organization_id'], ['products.id', 'products.organization_id'], name='fk_batches_product_organization', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['status_changed_by_id'], ['users.id'], name=op.f('fk_batches_status_changed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('code', name=op.f('uq_batches_code')),
    sa.UniqueConstraint('product_id', 'lot', name='uq_batches_product_lot')
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batches_lot'), ['lot'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_batches_organization_status', ['organization_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_batches_production_date', ['production_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_status'), ['status'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('issuing_level', sa.String(length=20), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('verification_status', sa.String(length=20), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(scheme = 'ocop' AND stars IS NOT NULL AND stars BETWEEN 3 AND 5) OR (scheme <> 'ocop' AND stars IS NULL)", name=op.f('ck_certificates_stars')),
    sa.CheckConstraint("(subject_type = 'product' AND product_id IS NOT NULL AND area_id IS NULL AND facility_id IS NULL) OR (subject_type = 'area' AND area_id IS NOT NULL AND product_id IS NULL AND facility_id IS NULL) OR (subject_type = 'facility' AND facility_id IS NOT NULL AND product_id IS NULL AND area_id IS NULL) OR (subject_type = 'organization' AND product_id IS NULL AND area_id IS NULL AND facility_id IS NULL)", name=op.f('ck_certificates_subject')),
    sa.CheckConstraint("issuing_level IS NULL OR issuing_level IN ('province', 'national')", name=op.f('ck_certificates_issuing_level')),
    sa.CheckConstraint("scheme IN ('ocop', 'vietgap', 'globalgap', 'organic', 'haccp', 'iso22000', 'food_safety', 'other')", name=op.f('ck_certificates_scheme')),
    sa.CheckConstraint("subject_type IN ('product', 'area', 'facility', 'organization')", name=op.f('ck_certificates_subject_type')),
    sa.CheckConstraint("verification_status IN ('unverified', 'verified', 'rejected')", name=op.f('ck_certificates_verification_status')),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_certificates_validity')),
    sa.ForeignKeyConstraint(['area_id'], ['raw_material_areas.id'], name=op.f('fk_certificates_area_id_raw_material_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_certificates_facility_id_facilities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_certificates_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_certificates_product_id_products'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_certificates_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_scheme'), ['scheme'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_valid_until'), ['valid_until'], unique=False)

    op.create_table('batch_areas',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['raw_material_areas.id'], name=op.f('fk_batch_areas_area_id_raw_material_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_batch_areas_batch_id_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'area_id', name=op.f('pk_batch_areas'))
    )
    with op.batch_alter_table('batch_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_areas_area_id'), ['area_id'], unique=False)

    op.create_table('batch_certificates',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_batch_certificates_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_batch_certificates_certificate_id_certificates'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('batch_id', 'certificate_id', name=op.f('pk_batch_certificates'))
    )
    with op.batch_alter_table('batch_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_certificates_certificate_id'), ['certificate_id'], unique=False)

    op.create_table('batch_facilities',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_batch_facilities_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_batch_facilities_facility_id_facilities'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('batch_id', 'facility_id', name=op.f('pk_batch_facilities'))
    )
    with op.batch_alter_table('batch_facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_facilities_facility_id'), ['facility_id'], unique=False)

    op.create_table('batch_inputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('input_batch_id', sa.Integer(), nullable=True),
    sa.Column('lot', sa.String(length=40), nullable=True),
    sa.Column('supplier', sa.String(length=200), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.CheckConstraint('input_batch_id IS NOT NULL OR lot IS NOT NULL', name=op.f('ck_batch_inputs_names_a_lot')),
    sa.CheckConstraint('input_batch_id IS NULL OR input_batch_id <> batch_id', name=op.f('ck_batch_inputs_not_itself')),
    sa.CheckConstraint('quantity IS NULL OR quantity > 0', name=op.f('ck_batch_inputs_quantity_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_batch_inputs_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['input_batch_id'], ['batches.id'], name=op.f('fk_batch_inputs_input_batch_id_batches'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_inputs'))
    )
    with op.batch_alter_table('batch_inputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_inputs_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_inputs_input_batch_id'), ['input_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_inputs_lot'), ['lot'], unique=False)

    op.create_table('scan_counters',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_scan_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_scan_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_scan_counters_batch_id_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'serial', name=op.f('pk_scan_counters'))
    )
    op.create_table('scans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=True),
    sa.Column('scanned_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('client_hash', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_scans_batch_id_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scans'))
    )
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index('ix_scans_batch_scanned', ['batch_id', 'scanned_at'], unique=False)

    op.create_table('trace_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occurred_offset_minutes', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("step IN ('planting', 'harvesting', 'receiving', 'processing', 'packing', 'storing', 'shipping', 'inspecting', 'other')", name=op.f('ck_trace_events_step')),
    sa.CheckConstraint('occurred_offset_minutes BETWEEN -840 AND 840', name=op.f('ck_trace_events_offset_range')),
    sa.ForeignKeyConstraint(['area_id'], ['raw_material_areas.id'], name=op.f('fk_trace_events_area_id_raw_material_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_trace_events_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_trace_events_facility_id_facilities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_trace_events_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['trace_events.id'], name=op.f('fk_trace_events_supersedes_id_trace_events'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_events')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_trace_events_supersedes_id'))
    )
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_events_area_id'), ['area_id'], unique=False)
        batch_op.create_index('ix_trace_events_batch_occurred', ['batch_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_events_facility_id'), ['facility_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_events_facility_id'))
        batch_op.drop_index('ix_trace_events_batch_occurred')
        batch_op.drop_index(batch_op.f('ix_trace_events_area_id'))

    op.drop_table('trace_events')
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index('ix_scans_batch_scanned')

    op.drop_table('scans')
    op.drop_table('scan_counters')
    with op.batch_alter_table('batch_inputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_inputs_lot'))
        batch_op.drop_index(batch_op.f('ix_batch_inputs_input_batch_id'))
        batch_op.drop_index(batch_op.f('ix_batch_inputs_batch_id'))

    op.drop_table('batch_inputs')
    with op.batch_alter_table('batch_facilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_facilities_facility_id'))

    op.drop_table('batch_facilities')
    with op.batch_alter_table('batch_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_certificates_certificate_id'))

    op.drop_table('batch_certificates')
    with op.batch_alter_table('batch_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_areas_area_id'))

    op.drop_table('batch_areas')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_valid_until'))
        batch_op.drop_index(batch_op.f('ix_certificates_scheme'))
        batch_op.drop_index(batch_op.f('ix_certificates_product_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_organization_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_facility_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_area_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batches_status'))
        batch_op.drop_index('ix_batches_production_date')
        batch_op.drop_index(batch_op.f('ix_batches_product_id'))
        batch_op.drop_index('ix_batches_organization_status')
        batch_op.drop_index(batch_op.f('ix_batches_organization_id'))
        batch_op.drop_index(batch_op.f('ix_batches_lot'))

    op.drop_table('batches')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_occurred_at'))
        batch_op.drop_index('ix_audit_entries_entity')
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_user_id'))

    op.drop_table('audit_entries')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_organization_id'))

    op.drop_table('users')
    with op.batch_alter_table('raw_material_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raw_material_areas_organization_id'))
        batch_op.drop_index(batch_op.f('ix_raw_material_areas_code'))

    op.drop_table('raw_material_areas')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_organization_id'))

    op.drop_table('products')
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilities_organization_id'))

    op.drop_table('facilities')
    op.drop_table('organizations')
    op.drop_table('audit_head')
