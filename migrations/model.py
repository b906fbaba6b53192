"""Every table of the project in one metadata: each package defines its own tables on the
kernel's metadata (``anpr.schema``) beside the code that owns them, and this module, above
them all, collects them for Alembic's autogenerate (``migrations/env.py``) and for the
test that keeps the model and the migrations in step (``tests/test_schema.py``)."""
from __future__ import annotations

import camera_registry.tables  # noqa: F401
import casework.photo_tables  # noqa: F401
import casework.stats_tables  # noqa: F401
import casework.tables  # noqa: F401
import detector.tables  # noqa: F401
import gis.tables  # noqa: F401
import ingest.tables  # noqa: F401
from anpr.schema import include_name, include_object, metadata

__all__ = ["include_name", "include_object", "metadata"]
