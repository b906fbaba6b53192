"""Each unit's prosecutors: who may sign a location's motivation in the camera plan (R9).

A location's art. 3 lid 2 motivation is signed by the unit's prosecutor, but the signer
was free text: a plan could publish with a signature of another unit's prosecutor, or of
anyone at all. ``unit_prosecutor`` lists each unit's prosecutors (officieren van justitie
of the unit's parket) by the name they sign with, with the period they serve (open at
either end); ``camera_registry.plans.validate`` refuses a signature by a name not listed
for the location's unit on the signing date (``wrong_prosecutor``), which blocks
publication. The list is kept by the operators with ``anpr units ...``, audited as
account administration is; the application role may add and end entries, never delete
one (a past signature stays explainable).

Nothing is back-filled: the signatures written so far are the unchecked text this
migration exists for. Until a unit's prosecutors are listed, its drafts do not validate
(published plans are frozen and not affected). The demo loader lists the demo's.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_prosecutor",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("unit_code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False,
                  comment="As the prosecutor signs a motivation: 'mr. A. Jansen'."),
        sa.Column("serves_from", sa.Date(), nullable=True),
        sa.Column("serves_to", sa.Date(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.CheckConstraint("serves_to IS NULL OR serves_from IS NULL OR serves_to >= serves_from",
                           name=op.f("ck_unit_prosecutor_period")),
        sa.CheckConstraint("name <> ''", name=op.f("ck_unit_prosecutor_name")),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"],
                                name=op.f("fk_unit_prosecutor_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_prosecutor")),
        sa.UniqueConstraint("unit_code", "name", name=op.f("uq_unit_prosecutor_unit_code_name")),
        comment="R9: the prosecutors of each unit who may sign a plan location's motivation.",
    )


def downgrade() -> None:
    op.drop_table("unit_prosecutor")
