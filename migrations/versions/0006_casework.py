"""Casework: accounts' authorisations, the hash-chained audit log, crimes, investigations,
requests with their orders and versions, enquiries, verification verdicts and provision.

The audit log is append-only: a trigger computes each record's SHA-256 over the previous
record's hash and its own content (serialised with an advisory lock, so the chain is a
line), and another refuses UPDATE and DELETE. ``anpr audit verify`` recomputes it.

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

AUDIT_TRIGGERS = """
CREATE FUNCTION audit_record_hash(prev text, id bigint, at timestamptz, actor text,
                                  action text, subject text, details jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT encode(sha256(convert_to(concat_ws('|', prev, id::text,
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), actor, action,
        coalesce(subject, ''), details::text), 'UTF8')), 'hex')
$fn$;

CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    last text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_log_chain'));
    SELECT hash INTO last FROM audit_log ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(last, repeat('0', 64));
    NEW.at := coalesce(NEW.at, now());
    NEW.hash := audit_record_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor, NEW.action,
                                  NEW.subject, NEW.details);
    RETURN NEW;
END
$fn$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
"""

# Crimes an order may rest on. Art. 67 lid 1 Sv: (a) crimes carrying four years or more,
# (b) the crimes it lists; the others do not allow a 126jj search (R3).
CRIMES = [
    ("287", "Doodslag", "art. 287 Sr", True),
    ("289", "Moord", "art. 289 Sr", True),
    ("282", "Wederrechtelijke vrijheidsberoving / ontvoering", "art. 282 Sr", True),
    ("273f", "Mensenhandel", "art. 273f Sr", True),
    ("310", "Diefstal", "art. 310 Sr", True),
    ("311", "Gekwalificeerde diefstal (inbraak)", "art. 311 Sr", True),
    ("312", "Diefstal met geweld (overval)", "art. 312 Sr", True),
    ("317", "Afpersing", "art. 317 Sr", True),
    ("321", "Verduistering", "art. 321 Sr (art. 67 lid 1 b)", True),
    ("326", "Oplichting", "art. 326 Sr", True),
    ("416", "Heling", "art. 416 Sr", True),
    ("420bis", "Witwassen", "art. 420bis Sr", True),
    ("OW2", "Handel in harddrugs", "art. 10 Opiumwet", True),
    ("OW3", "Handel in softdrugs (grootschalig)", "art. 11 lid 3 Opiumwet", True),
    ("WWM", "Wapenhandel / wapenbezit cat. III", "art. 55 Wet wapens en munitie", True),
    ("302", "Zware mishandeling", "art. 302 Sr", True),
    ("157", "Brandstichting / ontploffing", "art. 157 Sr", True),
    ("140", "Deelneming aan een criminele organisatie", "art. 140 Sr", True),
    ("266", "Eenvoudige belediging", "art. 266 Sr", False),
    ("424", "Baldadigheid (overtreding)", "art. 424 Sr", False),
    ("WVW6", "Snelheidsovertreding", "RVV 1990 (overtreding)", False),
    ("WVW107", "Rijden zonder rijbewijs (eerste keer, overtreding)", "art. 107 WVW 1994", False),
]


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_log_hash')),
    comment='Append-only, hash-chained log (R6); the hash is computed by a trigger.'
    )
    op.create_table('crime',
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('article', sa.Text(), nullable=False),
    sa.Column('pretrial_detention', sa.Boolean(), nullable=False, comment='Art. 67 lid 1 Sv applies: a 126jj search may be ordered.'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_crime'))
    )
    op.create_table('investigation',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('system', sa.String(length=8), nullable=False),
    sa.Column('number', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('unit_code', sa.String(length=4), nullable=True),
    sa.CheckConstraint("system IN ('BVH', 'Summ-IT')", name=op.f('ck_investigation_system')),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_investigation_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation')),
    sa.UniqueConstraint('system', 'number', name=op.f('uq_investigation_system_number'))
    )
    op.create_table('unit_setting',
    sa.Column('unit_code', sa.String(length=4), nullable=False),
    sa.Column('hold_until_written', sa.Boolean(), server_default=sa.text('false'), nullable=False, comment='R4: hold provision until the written order of a verbal order is in.'),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_unit_setting_unit_code_unit')),
    sa.PrimaryKeyConstraint('unit_code', name=op.f('pk_unit_setting'))
    )
    op.create_table('authorisation',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('granted_by', sa.Text(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_by', sa.Text(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_authorisation_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisation')),
    comment='Who granted which role to whom and when (R2: personal, recorded, reviewed).'
    )
    op.create_index(op.f('ix_authorisation_account_id'), 'authorisation', ['account_id'], unique=False)
    op.create_table('investigation_member',
    sa.Column('investigation_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_investigation_member_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigation.id'], name=op.f('fk_investigation_member_investigation_id_investigation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('investigation_id', 'account_id', name=op.f('pk_investigation_member'))
    )
    op.create_table('request',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('unit_code', sa.String(length=4), nullable=False),
    sa.Column('status', postgresql.ENUM('registered', 'confirmed', 'rejected', 'cancelled', 'provided', 'completed', name='request_status'), server_default='registered', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requester_name', sa.Text(), nullable=False),
    sa.Column('requester_function', sa.Text(), nullable=False),
    sa.Column('requester_account_id', sa.Integer(), nullable=True),
    sa.Column('investigation_id', sa.Integer(), nullable=False),
    sa.Column('order_reference', sa.Text(), nullable=False),
    sa.Column('prosecutor', sa.Text(), nullable=False),
    sa.Column('prosecutor_office', sa.Text(), nullable=False),
    sa.Column('order_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('order_kind', postgresql.ENUM('written', 'verbal', name='order_kind'), nullable=False),
    sa.Column('order_document_key', sa.Text(), nullable=True),
    sa.Column('order_document_sha256', sa.String(length=64), nullable=True),
    sa.Column('written_order_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('crime_code', sa.Text(), nullable=True),
    sa.Column('fugitive', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('suspect', sa.Text(), nullable=False),
    sa.Column('foreign_request', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('photos', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('convoy_minutes', sa.SmallInteger(), nullable=True),
    sa.Column('scope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('convoy_minutes IS NULL OR convoy_minutes BETWEEN 0 AND 60', name=op.f('ck_request_convoy')),
    sa.CheckConstraint('crime_code IS NOT NULL OR fugitive', name=op.f('ck_request_crime_or_fugitive')),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], name=op.f('fk_request_created_by_account')),
    sa.ForeignKeyConstraint(['crime_code'], ['crime.code'], name=op.f('fk_request_crime_code_crime')),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigation.id'], name=op.f('fk_request_investigation_id_investigation')),
    sa.ForeignKeyConstraint(['officer_id'], ['account.id'], name=op.f('fk_request_officer_id_account')),
    sa.ForeignKeyConstraint(['requester_account_id'], ['account.id'], name=op.f('fk_request_requester_account_id_account')),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_request_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request')),
    sa.UniqueConstraint('reference', name=op.f('uq_request_reference'))
    )
    op.create_index('ix_request_unit_status', 'request', ['unit_code', 'status'], unique=False)
    op.create_table('verification',
    sa.Column('passage_id', sa.BigInteger(), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verdict', postgresql.ENUM('confirmed', 'rejected', name='read_verdict'), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['account.id'], name=op.f('fk_verification_officer_id_account')),
    sa.PrimaryKeyConstraint('passage_id', 'captured_at', name=op.f('pk_verification')),
    comment="R7: one verdict per read, held for the passage's 28 days; never a correction."
    )
    op.create_table('access_grant',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('granted_by', sa.Integer(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_access_grant_account_id_account')),
    sa.ForeignKeyConstraint(['granted_by'], ['account.id'], name=op.f('fk_access_grant_granted_by_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_access_grant_request_id_request')),
    sa.PrimaryKeyConstraint('request_id', 'account_id', name=op.f('pk_access_grant')),
    comment='Viewing level 2: results seen by someone outside the investigation (R10).'
    )
    op.create_table('enquiry',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('preview', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('previewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_after_preview', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('result_count', sa.Integer(), nullable=True),
    sa.Column('needs_verification', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('plate', 'partial', 'block', 'convoy', 'common', 'route')", name=op.f('ck_enquiry_kind')),
    sa.ForeignKeyConstraint(['officer_id'], ['account.id'], name=op.f('fk_enquiry_officer_id_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_enquiry_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enquiry'))
    )
    op.create_index(op.f('ix_enquiry_request_id'), 'enquiry', ['request_id'], unique=False)
    op.create_table('provision',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('manifest', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['account.id'], name=op.f('fk_provision_created_by_account')),
    sa.ForeignKeyConstraint(['downloaded_by'], ['account.id'], name=op.f('fk_provision_downloaded_by_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_provision_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provision'))
    )
    op.create_index(op.f('ix_provision_request_id'), 'provision', ['request_id'], unique=False)
    op.create_table('request_version',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['account.id'], name=op.f('fk_request_version_changed_by_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_request_version_request_id_request')),
    sa.PrimaryKeyConstraint('request_id', 'version', name=op.f('pk_request_version')),
    comment='Registered data per version; corrections after confirmation are new versions.'
    )
    op.create_table('enquiry_result',
    sa.Column('enquiry_id', sa.Integer(), nullable=False),
    sa.Column('passage_id', sa.BigInteger(), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verify', sa.Boolean(), server_default=sa.text('true'), nullable=False, comment='R7: plate-search reads are verified; location/time reads are not'),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiry.id'], name=op.f('fk_enquiry_result_enquiry_id_enquiry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enquiry_id', 'passage_id', 'captured_at', name=op.f('pk_enquiry_result')),
    comment='References only: rows are read from jj126 (or its secured copy), never copied.'
    )
    
    op.execute(AUDIT_TRIGGERS)
    crime = sa.table("crime", sa.column("code"), sa.column("label"), sa.column("article"),
                     sa.column("pretrial_detention"))
    op.bulk_insert(crime, [{"code": c, "label": l, "article": a, "pretrial_detention": p}
                           for c, l, a, p in CRIMES])
    op.execute("INSERT INTO unit_setting (unit_code) SELECT code FROM unit")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_chain ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.drop_table('enquiry_result')
    op.drop_table('request_version')
    op.drop_index(op.f('ix_provision_request_id'), table_name='provision')
    op.drop_table('provision')
    op.drop_index(op.f('ix_enquiry_request_id'), table_name='enquiry')
    op.drop_table('enquiry')
    op.drop_table('access_grant')
    op.drop_table('verification')
    op.drop_index('ix_request_unit_status', table_name='request')
    op.drop_table('request')
    op.drop_table('investigation_member')
    op.drop_index(op.f('ix_authorisation_account_id'), table_name='authorisation')
    op.drop_table('authorisation')
    op.drop_table('unit_setting')
    op.drop_table('investigation')
    op.drop_table('crime')
    op.drop_table('audit_log')
    
    op.execute("DROP FUNCTION IF EXISTS audit_log_chain()")
    op.execute("DROP FUNCTION IF EXISTS audit_log_refuse()")
    op.execute("DROP FUNCTION IF EXISTS audit_record_hash(text, bigint, timestamptz, text, text, text, jsonb)")
    for enum in ("read_verdict", "request_status", "order_kind"):
        op.execute(f"DROP TYPE IF EXISTS {enum}")
