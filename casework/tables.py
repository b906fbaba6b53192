"""Tables of the legal workflow and the audit log (migration 0006).

Kept beside the workflow that owns them; ``migrations.model`` collects them with every other
package's tables into the one metadata Alembic compares.
"""
from __future__ import annotations

from sqlalchemy import (
    REAL, BigInteger, Boolean, CheckConstraint, Column, DateTime, ForeignKey, Identity, Index,
    Integer, SmallInteger, String, Table, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, ENUM, JSONB, UUID

from anpr.schema import metadata

ORDER_KIND = ENUM("written", "verbal", name="order_kind", metadata=metadata)
REQUEST_STATUS = ENUM("registered", "confirmed", "rejected", "cancelled", "provided",
                      "completed", name="request_status", metadata=metadata)
VERDICT = ENUM("confirmed", "rejected", name="read_verdict", metadata=metadata)

authorisation = Table(
    "authorisation", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False, index=True),
    Column("role", Text, nullable=False),
    Column("granted_by", Text, nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_by", Text),
    Column("revoked_at", DateTime(timezone=True)),
    Column("note", Text),
    comment="Who granted which role to whom and when (R2: personal, recorded, reviewed).",
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("seq", BigInteger, unique=True,
           comment="Position in the chain, given at commit under the chain-head lock."),
    Column("prev_hash", String(64)),
    Column("hash", String(64), unique=True),
    comment="Append-only, hash-chained log (R6); the hash is computed by a trigger.",
)

audit_chain_head = Table(
    "audit_chain_head", metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id", name="one_row"),
    comment="The chain's newest position and hash; its row lock serialises the seals (R6).",
)

crime = Table(
    "crime", metadata,
    Column("code", Text, primary_key=True),
    Column("label", Text, nullable=False),
    Column("article", Text, nullable=False),
    Column("pretrial_detention", Boolean, nullable=False,
           comment="Art. 67 lid 1 Sv applies: a 126jj search may be ordered."),
)

investigation = Table(
    "investigation", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("system", String(8), nullable=False),
    Column("number", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("unit_code", String(4), ForeignKey("unit.code")),
    UniqueConstraint("system", "number"),
    CheckConstraint("system IN ('BVH', 'Summ-IT')", name="system"),
)

investigation_member = Table(
    "investigation_member", metadata,
    Column("investigation_id", Integer, ForeignKey("investigation.id", ondelete="CASCADE"),
           primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("added_by", Integer, ForeignKey("account.id")),
    Column("added_at", DateTime(timezone=True), server_default=func.now()),
)

unit_setting = Table(
    "unit_setting", metadata,
    Column("unit_code", String(4), ForeignKey("unit.code"), primary_key=True),
    Column("hold_until_written", Boolean, nullable=False, server_default=text("false"),
           comment="R4: hold provision until the written order of a verbal order is in."),
)

request = Table(
    "request", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("reference", Text, nullable=False, unique=True),
    Column("unit_code", String(4), ForeignKey("unit.code"), nullable=False),
    Column("status", REQUEST_STATUS, nullable=False, server_default="registered"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("requester_name", Text, nullable=False),
    Column("requester_function", Text, nullable=False),
    Column("requester_account_id", Integer, ForeignKey("account.id")),
    Column("investigation_id", Integer, ForeignKey("investigation.id"), nullable=False),
    Column("order_reference", Text, nullable=False),
    Column("prosecutor", Text, nullable=False),
    Column("prosecutor_office", Text, nullable=False),
    Column("order_at", DateTime(timezone=True), nullable=False),
    Column("order_kind", ORDER_KIND, nullable=False),
    Column("order_document_key", Text),
    Column("order_document_sha256", String(64)),
    Column("written_order_at", DateTime(timezone=True)),
    Column("crime_code", Text, ForeignKey("crime.code")),
    Column("fugitive", Boolean, nullable=False, server_default=text("false")),
    Column("purpose", Text, nullable=False),
    Column("facts", Text, nullable=False),
    Column("suspect", Text, nullable=False),
    Column("foreign_request", Boolean, nullable=False, server_default=text("false")),
    Column("photos", Boolean, nullable=False, server_default=text("false")),
    Column("convoy_minutes", SmallInteger),
    Column("scope", JSONB, nullable=False),
    Column("officer_id", Integer, ForeignKey("account.id")),
    Column("created_by", Integer, ForeignKey("account.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("rejected_reason", Text),
    Column("closed_at", DateTime(timezone=True)),
    CheckConstraint("crime_code IS NOT NULL OR fugitive", name="crime_or_fugitive"),
    CheckConstraint("convoy_minutes IS NULL OR convoy_minutes BETWEEN 0 AND 60", name="convoy"),
    Index("ix_request_unit_status", "unit_code", "status"),
)

request_version = Table(
    "request_version", metadata,
    Column("request_id", Integer, ForeignKey("request.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data", JSONB, nullable=False),
    Column("changed_by", Integer, ForeignKey("account.id"), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("reason", Text, nullable=False),
    comment="Registered data per version; corrections after confirmation are new versions.",
)

access_grant = Table(
    "access_grant", metadata,
    Column("request_id", Integer, ForeignKey("request.id"), primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), primary_key=True),
    Column("granted_by", Integer, ForeignKey("account.id"), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="Viewing level 2: results seen by someone outside the investigation (R10).",
)

request_handover = Table(
    "request_handover", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("request_id", Integer, ForeignKey("request.id"), nullable=False, index=True),
    Column("from_account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("to_account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("reason", Text, nullable=False),
    comment="R2: a request handed to another authorised officer (who, to whom, when, why).",
)

enquiry = Table(
    "enquiry", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("request_id", Integer, ForeignKey("request.id"), nullable=False, index=True),
    Column("officer_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("parameters", JSONB, nullable=False),
    Column("preview", JSONB),
    Column("previewed_at", DateTime(timezone=True)),
    Column("run_at", DateTime(timezone=True)),
    Column("stopped_after_preview", Boolean, nullable=False, server_default=text("false")),
    Column("result_count", Integer),
    Column("needs_verification", Boolean, nullable=False),
    Column("run_info", JSONB,
           comment="What the run resolved and counted beyond its held rows (cameras of a "
                   "selection, Q4 band sizes): no plate or passage time"),
    CheckConstraint("kind IN ('plate', 'partial', 'block', 'convoy', 'common', 'route')",
                    name="kind"),
)

enquiry_result = Table(
    "enquiry_result", metadata,
    Column("enquiry_id", Integer, ForeignKey("enquiry.id", ondelete="CASCADE"), primary_key=True),
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("verify", Boolean, nullable=False, server_default=text("true"),
           comment="R7: plate-search reads are verified; location/time reads are not"),
    Column("camera_id", Text, nullable=False,
           comment="The passage's camera: with captured_at and passage_id it finds the "
                   "passage by its unique key"),
    Column("has_crop", Boolean, nullable=False,
           comment="The passage has a plate crop; a read without one cannot be verified (R7)"),
    Column("has_photo", Boolean, nullable=False,
           comment="The passage has an overview photo (R8)"),
    Column("ordered_plate", Text, primary_key=True, server_default=text("''"),
           comment="R7: the ordered plate this row is verified against when a search "
                   "including probable misreads found it other than exactly; '' when the "
                   "read is verified as read"),
    Column("held_plain", Boolean, nullable=False, server_default=text("false"),
           comment="R7: the search also holds this passage without a question (a common "
                   "plate's own read, a convoy partner): a rejection of its question does "
                   "not leave it out"),
    Index("ix_enquiry_result_page", "enquiry_id", "captured_at", "passage_id",
          postgresql_include=["camera_id", "verify", "has_crop", "has_photo",
                              "ordered_plate"]),
    Index("ix_enquiry_result_passage", "passage_id", "captured_at"),
    comment="References only: rows are read from jj126 (or its secured copy), never copied.",
)

verification = Table(
    "verification", metadata,
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("verdict", VERDICT, nullable=False),
    Column("officer_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("verified_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("ordered_plate", Text, primary_key=True, server_default=text("''"),
           comment="What the crop was compared with: '' the read as read; else the ordered "
                   "plate (confirmed: the crop shows it, the camera misread it)"),
    Column("machine_read", Text,
           comment="The plate reader's reading of the crop as the officer had it beside the "
                   "verdict (#15)"),
    Column("machine_confidence", REAL),
    Column("machine_flag", Text,
           comment="The plate reader against the camera's read: disagrees, unsure (low "
                   "confidence) or agrees"),
    CheckConstraint("machine_flag IN ('disagrees', 'unsure', 'agrees')", name="machine_flag"),
    comment="R7: one verdict per read and question, held for the passage's 28 days; never a "
            "correction.",
)

verification_page = Table(
    "verification_page", metadata,
    Column("id", UUID, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("request_id", Integer, ForeignKey("request.id"), nullable=False),
    Column("officer_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now(),
           index=True),
    Column("passage_ids", ARRAY(BigInteger), nullable=False),
    Column("captured_ats", ARRAY(DateTime(timezone=True)), nullable=False),
    Column("ordered_plates", ARRAY(Text), nullable=False),
    Column("confirmable", ARRAY(Boolean), nullable=False),
    Column("challenge", Integer),
    comment="R7/#15: a page of reads handed to an officer, until its verdicts are given: the "
            "reads, which may be confirmed with the page, and the spot-check read to answer "
            "on its own.",
)

provision = Table(
    "provision", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("request_id", Integer, ForeignKey("request.id"), nullable=False, index=True),
    Column("created_by", Integer, ForeignKey("account.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("manifest", JSONB, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("downloaded_at", DateTime(timezone=True)),
    Column("downloaded_by", Integer, ForeignKey("account.id")),
)
