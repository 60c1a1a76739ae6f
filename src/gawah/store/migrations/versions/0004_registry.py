"""registry: changes, same-event decisions, legal assessments, units, command relations, search entries

Revision ID: 0004_registry
Revises: 0002
Create Date: 2026-11-21 20:07:17.917520
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_registry'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registry_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_changes'))
    )
    with op.batch_alter_table('registry_changes', schema=None) as batch_op:
        batch_op.create_index('ix_registry_changes_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('violations', sa.String(length=400), nullable=False),
    sa.Column('province', sa.String(length=120), nullable=True),
    sa.Column('district', sa.String(length=120), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
    sa.UniqueConstraint('kind', 'record_id', name='uq_search_entries_kind_record')
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entries_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_start_date'), ['start_date'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('perpetrator', sa.String(length=40), nullable=True),
    sa.Column('province', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_name'), ['name'], unique=False)

    op.create_table('same_event_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_same_event_decisions_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_id'], ['incidents.id'], name=op.f('fk_same_event_decisions_other_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_same_event_decisions'))
    )
    with op.batch_alter_table('same_event_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_same_event_decisions_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_same_event_decisions_other_id'), ['other_id'], unique=False)

    op.create_table('command_relations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('superior_type', sa.String(length=8), nullable=False),
    sa.Column('superior_id', sa.Integer(), nullable=False),
    sa.Column('subordinate_type', sa.String(length=8), nullable=False),
    sa.Column('subordinate_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=24), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_command_relations_document_id_documents')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_command_relations_incident_id_incidents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_command_relations'))
    )
    with op.batch_alter_table('command_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_command_relations_confidentiality'), ['confidentiality'], unique=False)
        batch_op.create_index(batch_op.f('ix_command_relations_incident_id'), ['incident_id'], unique=False)

    op.create_table('element_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('act_id', sa.Integer(), nullable=False),
    sa.Column('provision', sa.String(length=40), nullable=False),
    sa.Column('element', sa.String(length=40), nullable=False),
    sa.Column('finding', sa.String(length=24), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('assessed_by', sa.String(length=200), nullable=False),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['act_id'], ['acts.id'], name=op.f('fk_element_assessments_act_id_acts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_element_assessments')),
    sa.UniqueConstraint('act_id', 'provision', 'element', name='uq_element_assessments_act_element')
    )
    with op.batch_alter_table('element_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_element_assessments_act_id'), ['act_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_element_assessments_confidentiality'), ['confidentiality'], unique=False)

    with op.batch_alter_table('incident_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeats_source_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_incident_sources_repeats_source_id_sources'), 'sources', ['repeats_source_id'], ['id'])



def downgrade() -> None:
    # The full-text index over search_entries is derived and made at run time (gawah.registry.search).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table('incident_sources', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incident_sources_repeats_source_id_sources'), type_='foreignkey')
        batch_op.drop_column('repeats_source_id')

    with op.batch_alter_table('element_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_element_assessments_confidentiality'))
        batch_op.drop_index(batch_op.f('ix_element_assessments_act_id'))

    op.drop_table('element_assessments')
    with op.batch_alter_table('command_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_command_relations_incident_id'))
        batch_op.drop_index(batch_op.f('ix_command_relations_confidentiality'))

    op.drop_table('command_relations')
    with op.batch_alter_table('same_event_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_same_event_decisions_other_id'))
        batch_op.drop_index(batch_op.f('ix_same_event_decisions_incident_id'))

    op.drop_table('same_event_decisions')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_name'))
        batch_op.drop_index(batch_op.f('ix_units_confidentiality'))

    op.drop_table('units')
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_start_date'))
        batch_op.drop_index(batch_op.f('ix_search_entries_source_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_province'))

    op.drop_table('search_entries')
    with op.batch_alter_table('registry_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_changes_subject')

    op.drop_table('registry_changes')
