"""The audit chain is sealed at commit, under a chain-head row (R6).

Before, each record took the chain lock when it was inserted and its id had already been
drawn from the sequence, so concurrent writers linked records out of id order and the
chain forked. Now a record is inserted unsealed (no position, no hash) and a deferred
constraint trigger seals it when its transaction commits: it locks the one chain-head
row, takes the next position (``seq``, contiguous: a rolled-back transaction gives its
position back), links to the head's hash and moves the head. The lock is held only from
the seal to the end of the commit, not through the callers' longer transactions.
The seal runs as the owner (SECURITY DEFINER), so a role that may only INSERT and SELECT
the log can still write to it, and UPDATE, DELETE and TRUNCATE are revoked from PUBLIC.

Revision ID: 0018b
Revises: 0017
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018b"
down_revision = "0017"
branch_labels = None
depends_on = None

SEAL = """
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- A record arrives unsealed; only the seal at commit gives it a place in the chain.
    NEW.at := coalesce(NEW.at, now());
    NEW.seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END
$fn$;

-- SECURITY DEFINER: the seal runs as the table owner, so the application's role needs
-- only INSERT and SELECT on the log, never UPDATE (see docs on least privilege).
CREATE FUNCTION audit_log_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    head record;
    h text;
BEGIN
    SELECT seq, hash INTO head FROM audit_chain_head WHERE id FOR UPDATE;
    h := audit_record_hash(head.hash, NEW.id, NEW.at, NEW.actor, NEW.action,
                           NEW.subject, NEW.details);
    UPDATE audit_chain_head SET seq = head.seq + 1, hash = h WHERE id;
    UPDATE audit_log SET seq = head.seq + 1, prev_hash = head.hash, hash = h
     WHERE id = NEW.id;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER audit_log_seal AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_log_seal();

CREATE OR REPLACE FUNCTION audit_log_refuse() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- The one update allowed: the seal, from inside its trigger, of an unsealed record,
    -- leaving its content as it was.
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
        IF TG_TABLE_NAME = 'audit_chain_head' THEN
            RETURN NEW;
        END IF;
        IF OLD.hash IS NULL
           AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.subject, NEW.details)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.subject, OLD.details) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;

CREATE TRIGGER audit_chain_head_guard BEFORE UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_chain_head FROM PUBLIC;
"""


def upgrade() -> None:
    op.add_column("audit_log", sa.Column(
        "seq", sa.BigInteger(), nullable=True,
        comment="Position in the chain, given at commit under the chain-head lock."))
    op.create_unique_constraint(op.f("uq_audit_log_seq"), "audit_log", ["seq"])
    op.alter_column("audit_log", "prev_hash", existing_type=sa.String(64), nullable=True)
    op.alter_column("audit_log", "hash", existing_type=sa.String(64), nullable=True)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id", name=op.f("ck_audit_chain_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
        comment="The chain's newest position and hash; its row lock serialises the seals (R6).",
    )
    # Records written before this revision keep their hashes and get positions in id order.
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    op.execute("""
        UPDATE audit_log a SET seq = o.n
          FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM audit_log) o
         WHERE a.id = o.id""")
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    op.execute("""
        INSERT INTO audit_chain_head (id, seq, hash)
        SELECT true, coalesce(max(seq), 0),
               coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), repeat('0', 64))
          FROM audit_log""")
    op.execute(SEAL)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_seal ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_seal()")
    op.drop_table("audit_chain_head")
    op.drop_constraint(op.f("uq_audit_log_seq"), "audit_log", type_="unique")
    op.drop_column("audit_log", "seq")
