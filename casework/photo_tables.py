"""The photo approval table (migration 0007), beside the workflow that owns it;
``migrations.model`` collects it with every other package's tables."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Column, DateTime, ForeignKey, Integer, String, Table, Text, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB

from anpr.schema import metadata

photo_approval = Table(
    "photo_approval", metadata,
    Column("request_id", Integer, ForeignKey("request.id"), primary_key=True),
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("boxes", JSONB, nullable=False, server_default=text("'[]'::jsonb"),
           comment="The officer's blur boxes, [x1, y1, x2, y2] in image pixels."),
    Column("source_key", Text, nullable=False, comment="The stored overview photo shown."),
    Column("image_key", Text, nullable=False,
           comment="The approved copy, irreversibly blurred, in the photo vault."),
    Column("sha256", String(64), nullable=False),
    Column("approved_by", Integer, ForeignKey("account.id"), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="R8: photos approved for provision; once approved the blurred copy is final.",
)


# -- what the detector made of a passage's photo (R8), for photo approval and provision ----

#: An enquiry result ``er`` of enquiry ``e`` as passage ``p``: the live passage, or, once
#: retention destroyed its day, the copy secured for this request while it is open (R1):
#: a row of ``jj126.case_passage`` found by its key in its one day partition
#: (``jj126.case_passage_at``, migration 0020a).
CASE_PASSAGE_JOIN = """JOIN request rq ON rq.id = e.request_id
  CROSS JOIN LATERAL jj126.case_passage_at(er.camera_id, er.captured_at, er.passage_id,
                                           rq.reference) p"""

#: The detector frame of a passage ``p``: intake queues one per passage with an overview
#: photo, keyed like the passage (camera, capture id, capture time).
FRAME_JOIN = """LEFT JOIN detector_frame f ON f.camera_id = p.camera_id
                            AND f.capture_id = p.capture_id AND f.captured_at = p.captured_at"""
#: The photo's state, one rule for what is shown and what blocks provision: ``blurred``
#: (the detector's blurred version exists; only this is ever shown), ``pending`` (queued
#: or being processed), ``set_aside`` (the detector gave up on it), ``not_queued`` (no
#: frame: a passage stored before intake queued frames). A secured copy keeps the blurred
#: photo it had when its day was destroyed.
PHOTO_STATE = """CASE WHEN p.secured_blurred_key IS NOT NULL
                 OR (f.state = 'done' AND f.blurred_key IS NOT NULL) THEN 'blurred'
            WHEN f.state IN ('queued', 'processing') THEN 'pending'
            WHEN f.state = 'failed' THEN 'set_aside' ELSE 'not_queued' END"""
