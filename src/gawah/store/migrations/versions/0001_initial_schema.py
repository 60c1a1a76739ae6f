"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 19:40:39.870408
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_native', sa.String(length=300), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('province', sa.String(length=120), nullable=True),
    sa.Column('district', sa.String(length=120), nullable=True),
    sa.Column('pcode', sa.String(length=20), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('name', 'kind', 'province', 'district', name='uq_places_name_kind_area')
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_places_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_pcode'), ['pcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_places_province'), ['province'], unique=False)

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('country', sa.String(length=80), nullable=True),
    sa.Column('reliability', sa.String(length=1), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', 'kind', name='uq_sources_name_kind')
    )
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sources_confidentiality'), ['confidentiality'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('totp_secret', sa.String(length=255), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('show_graphic_media', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=120), nullable=False),
    sa.Column('original_filename', sa.String(length=1000), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('derived_from_id', sa.Integer(), nullable=True),
    sa.Column('derivation', sa.String(length=80), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collected_by', sa.String(length=200), nullable=True),
    sa.Column('collector_notes', sa.Text(), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acquired_by', sa.String(length=200), nullable=False),
    sa.Column('acquisition_method', sa.String(length=80), nullable=False),
    sa.Column('acquisition_tool', sa.String(length=200), nullable=False),
    sa.Column('tool_metadata', sa.JSON(), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['derived_from_id'], ['evidence_items.id'], name=op.f('fk_evidence_items_derived_from_id_evidence_items')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_evidence_items_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items')),
    sa.UniqueConstraint('sha256', name=op.f('uq_evidence_items_sha256'))
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_derived_from_id'), ['derived_from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_source_id'), ['source_id'], unique=False)

    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('date_precision', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('standard_of_proof', sa.String(length=80), nullable=True),
    sa.Column('reported_by', sa.String(length=300), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['incidents.id'], name=op.f('fk_incidents_merged_into_id_incidents')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_incidents_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_review_status'), ['review_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_start_date'), ['start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_native', sa.String(length=300), nullable=True),
    sa.Column('father_name', sa.String(length=300), nullable=True),
    sa.Column('grandfather_name', sa.String(length=300), nullable=True),
    sa.Column('tribe', sa.String(length=200), nullable=True),
    sa.Column('sex', sa.String(length=8), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('home_province', sa.String(length=120), nullable=True),
    sa.Column('home_district', sa.String(length=120), nullable=True),
    sa.Column('occupation', sa.String(length=200), nullable=True),
    sa.Column('former_service', sa.String(length=40), nullable=True),
    sa.Column('is_pseudonym', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_persons_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_review_status'), ['review_status'], unique=False)

    op.create_table('acts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('violation', sa.String(length=40), nullable=False),
    sa.Column('subtype', sa.String(length=80), nullable=True),
    sa.Column('count_value', sa.BigInteger(), nullable=True),
    sa.Column('count_qualifier', sa.String(length=16), nullable=True),
    sa.Column('count_unit', sa.String(length=16), nullable=True),
    sa.Column('perpetrator', sa.String(length=40), nullable=True),
    sa.Column('perpetrator_detail', sa.String(length=300), nullable=True),
    sa.Column('victim_groups', sa.JSON(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('date_precision', sa.String(length=8), nullable=True),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_acts_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_acts_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acts'))
    )
    with op.batch_alter_table('acts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acts_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_acts_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acts_perpetrator'), ['perpetrator'], unique=False)
        batch_op.create_index(batch_op.f('ix_acts_review_status'), ['review_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_acts_violation'), ['violation'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('last_seen_on', sa.Date(), nullable=True),
    sa.Column('last_seen_place', sa.String(length=300), nullable=True),
    sa.Column('last_seen_by', sa.String(length=300), nullable=True),
    sa.Column('circumstances', sa.Text(), nullable=False),
    sa.Column('reporter_name', sa.String(length=300), nullable=True),
    sa.Column('reporter_contact', sa.String(length=300), nullable=True),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_cases_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('reference', name=op.f('uq_cases_reference'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_item_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=1000), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('reader', sa.String(length=120), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ingested_by', sa.String(length=200), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('extracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'], name=op.f('fk_documents_evidence_item_id_evidence_items')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_documents_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('evidence_item_id', name=op.f('uq_documents_evidence_item_id'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_language'), ['language'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_published'), ['published'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_source_id'), ['source_id'], unique=False)

    op.create_table('incident_places',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_places_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_incident_places_place_id_places'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'place_id', name=op.f('pk_incident_places'))
    )
    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('speaker', sa.String(length=300), nullable=False),
    sa.Column('affiliation', sa.String(length=300), nullable=True),
    sa.Column('stance', sa.String(length=20), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('stated_on', sa.Date(), nullable=True),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_claims_document_id_documents')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_claims_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_review_status'), ['review_status'], unique=False)

    op.create_table('incident_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('independent', sa.Boolean(), nullable=False),
    sa.Column('credibility', sa.Integer(), nullable=True),
    sa.CheckConstraint('credibility IS NULL OR credibility BETWEEN 1 AND 6', name=op.f('ck_incident_sources_credibility_range')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_incident_sources_document_id_documents')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_sources_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_incident_sources_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_sources')),
    sa.UniqueConstraint('incident_id', 'document_id', name='uq_incident_sources_incident_document')
    )
    with op.batch_alter_table('incident_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_sources_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_sources_incident_id'), ['incident_id'], unique=False)

    op.create_table('involvements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('act_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('fate', sa.String(length=16), nullable=True),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['act_id'], ['acts.id'], name=op.f('fk_involvements_act_id_acts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_involvements_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_involvements'))
    )
    with op.batch_alter_table('involvements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_involvements_act_id'), ['act_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_involvements_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_involvements_person_id'), ['person_id'], unique=False)

    op.create_table('spans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.CheckConstraint('"start" >= 0 AND "end" >= "start"', name=op.f('ck_spans_offsets')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_spans_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spans'))
    )
    with op.batch_alter_table('spans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spans_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_spans_target', ['target_type', 'target_id'], unique=False)

    op.create_table('claim_incidents',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_incidents_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_claim_incidents_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('claim_id', 'incident_id', name=op.f('pk_claim_incidents'))
    )


def downgrade() -> None:
    op.drop_table('claim_incidents')
    with op.batch_alter_table('spans', schema=None) as batch_op:
        batch_op.drop_index('ix_spans_target')
        batch_op.drop_index(batch_op.f('ix_spans_document_id'))

    op.drop_table('spans')
    with op.batch_alter_table('involvements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_involvements_person_id'))
        batch_op.drop_index(batch_op.f('ix_involvements_confidentiality'))
        batch_op.drop_index(batch_op.f('ix_involvements_act_id'))

    op.drop_table('involvements')
    with op.batch_alter_table('incident_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_sources_incident_id'))
        batch_op.drop_index(batch_op.f('ix_incident_sources_document_id'))

    op.drop_table('incident_sources')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_review_status'))
        batch_op.drop_index(batch_op.f('ix_claims_document_id'))
        batch_op.drop_index(batch_op.f('ix_claims_confidentiality'))

    op.drop_table('claims')
    op.drop_table('incident_places')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_source_id'))
        batch_op.drop_index(batch_op.f('ix_documents_published'))
        batch_op.drop_index(batch_op.f('ix_documents_language'))
        batch_op.drop_index(batch_op.f('ix_documents_confidentiality'))

    op.drop_table('documents')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_person_id'))
        batch_op.drop_index(batch_op.f('ix_cases_confidentiality'))

    op.drop_table('cases')
    with op.batch_alter_table('acts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acts_violation'))
        batch_op.drop_index(batch_op.f('ix_acts_review_status'))
        batch_op.drop_index(batch_op.f('ix_acts_perpetrator'))
        batch_op.drop_index(batch_op.f('ix_acts_incident_id'))
        batch_op.drop_index(batch_op.f('ix_acts_confidentiality'))

    op.drop_table('acts')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_review_status'))
        batch_op.drop_index(batch_op.f('ix_persons_name'))
        batch_op.drop_index(batch_op.f('ix_persons_confidentiality'))

    op.drop_table('persons')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_start_date'))
        batch_op.drop_index(batch_op.f('ix_incidents_review_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_merged_into_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_confidentiality'))

    op.drop_table('incidents')
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_source_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_items_derived_from_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_items_confidentiality'))

    op.drop_table('evidence_items')
    op.drop_table('users')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sources_confidentiality'))

    op.drop_table('sources')
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_places_province'))
        batch_op.drop_index(batch_op.f('ix_places_pcode'))
        batch_op.drop_index(batch_op.f('ix_places_district'))

    op.drop_table('places')
