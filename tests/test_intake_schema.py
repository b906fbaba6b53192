"""The intake record's schema in the OpenAPI document (``IntakeRecord``) says what the
intake validator accepts (issue 16): built from the validator's own limits, and checked
here value by value against the real validator on the demo registry, so neither can change
without the other."""
from __future__ import annotations

import pytest

from ingest import records
from ingest.records import Rejected, Validator
from intake_support import cams, iconn, intake_url, record  # noqa: F401  (fixtures)
from webmap.intake_api import INTAKE_RECORD


def _schema_accepts(rec: dict) -> bool:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(INTAKE_RECORD).is_valid(rec)


def _validator_reason(validator: Validator, rec: dict) -> str | None:
    try:
        validator.validate(rec)
    except Rejected as exc:
        return exc.reason
    return None


def test_every_field_the_validator_reads_is_in_the_schema():
    assert INTAKE_RECORD["required"] == list(records.REQUIRED)
    assert set(INTAKE_RECORD["properties"]) == set(records.FIELDS)
    props = INTAKE_RECORD["properties"]
    assert records.PLATE_RAW.pattern in props["plate"]["pattern"]
    assert records.CAPTURE_ID.pattern in props["capture_id"]["pattern"]
    assert records.COUNTRY.pattern in props["country"]["pattern"]
    assert records.IMAGE_REF.pattern in props["overview"]["pattern"]
    assert props["alternatives"]["maxItems"] == records.MAX_ALTERNATIVES
    lon_min, lat_min, lon_max, lat_max = records.NL_BOUNDS
    assert (props["lat"]["minimum"], props["lat"]["maximum"]) == (lat_min, lat_max)
    assert (props["lon"]["minimum"], props["lon"]["maximum"]) == (lon_min, lon_max)
    assert (props["confidence"]["minimum"], props["confidence"]["maximum"]) == (0, 1)


def test_the_document_serves_this_schema(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["components"]["schemas"]["IntakeRecord"] == INTAKE_RECORD


# Per field, values with what each side says: the schema's verdict, and the validator's
# reason (None: stored). Where the two differ it is said why (the last column).
TOO_MANY = [{"plate": f"X{i}Y", "confidence": 0.1} for i in range(records.MAX_ALTERNATIVES + 1)]
CASES = [
    ("plate", "ab-12 cd", True, None, ""),
    ("plate", "A" * 12, True, None, ""),
    ("plate", "A.B-1 2", True, None, ""),
    ("plate", "A" * 13, False, "bad_plate", ""),
    ("plate", "AB-12-CD-34-EF-567", False, "bad_plate", ""),
    ("plate", "A" * 21, False, "bad_plate", ""),
    ("plate", "-AB12", False, "bad_plate", ""),
    ("plate", "ÄB12CD", False, "bad_plate", ""),
    ("plate", "AB'; DROP TABLE camera;--", False, "bad_plate", ""),
    ("plate", 1234, False, "bad_plate", ""),
    ("plate", "", False, "missing_field", ""),
    ("plate", ..., False, "missing_field", ""),
    ("camera", "", False, "missing_field", ""),
    ("camera", 5, False, "unknown_camera", ""),
    ("camera", "NO-SUCH-CAMERA", True, "unknown_camera", "the registry decides"),
    ("captured_at", "2026-03-01T10:00:00", True, "naive_timestamp",
     "format is an annotation; the validator needs the offset"),
    ("country", "nl", True, None, ""),
    ("country", "NLD", True, None, ""),
    ("country", "NLD1", False, "bad_country", ""),
    ("country", "N1", False, "bad_country", ""),
    ("country", "", False, None, "CSV: an empty cell is no country"),
    ("country", None, False, None, "CSV: an empty cell is no country"),
    ("confidence", 0.0, True, None, ""),
    ("confidence", 1, True, None, ""),
    ("confidence", 1.5, False, "bad_confidence", ""),
    ("confidence", -0.1, False, "bad_confidence", ""),
    ("confidence", "high", False, "bad_confidence", ""),
    ("confidence", True, False, "bad_confidence", ""),
    ("confidence", "0.5", False, None, "CSV: numbers come as text"),
    ("capture_id", "cam4:2026-11-20.081403_17", True, None, ""),
    ("capture_id", "x" * 128, True, None, ""),
    ("capture_id", "x" * 129, False, "bad_capture_id", ""),
    ("capture_id", "a b\tc", False, "bad_capture_id", ""),
    ("capture_id", "", False, "missing_field", ""),
    ("capture_id", 17, False, None, "a camera's numeric id is taken as its text"),
    ("overview", "day/0017-overview.jpg", True, None, ""),
    ("overview", "a..b.jpg", True, None, ""),
    ("overview", "../../etc/passwd", False, "bad_image", ""),
    ("overview", "a/../b.jpg", False, "bad_image", ""),
    ("overview", "/etc/passwd", False, "bad_image", ""),
    ("crop", "a b.jpg", False, "bad_image", ""),
    ("crop", "..", False, "bad_image", ""),
    ("crop", "x" * 256, False, "bad_image", ""),
    ("lat", "NaN", False, "bad_lat", ""),
    ("lat", True, False, "bad_lat", ""),
    ("lat", 95.0, False, "bad_coordinates", ""),
    ("lat", 455000.0, False, "rd_coordinates", ""),
    ("lat", 49.0, False, "bad_coordinates", ""),
    ("lon", 8.5, False, "bad_coordinates", ""),
    ("alternatives", [{"plate": "AB-12-CE", "confidence": 0.2}], True, None, ""),
    ("alternatives", TOO_MANY, False, "too_many_alternatives", ""),
    ("alternatives", [{"plate": "AB-12-CE"}], False, "bad_alternatives", ""),
    ("alternatives", [{"plate": "A" * 13, "confidence": 0.2}], False, "bad_alternatives", ""),
    ("alternatives", [{"plate": "AB-12-CE", "confidence": 2}], False, "bad_alternatives", ""),
    ("alternatives", [{"plate": "AB12CD", "confidence": 0.2}], True, "bad_alternatives",
     "the read itself: the validator compares them normalised"),
    ("alternatives", "AB12CE:0.2", False, None, "CSV: PLATE:confidence pairs as text"),
]


@pytest.mark.parametrize("field, value, schema_ok, reason, why", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_schema_and_validator_agree(iconn, settings, cams, field, value, schema_ok, reason,
                                    why):
    validator = Validator(iconn, settings.intake, settings.retention.days)
    rec = record(cams["fixed"], **{"plate": "AB-12-CD", field: value})
    assert _schema_accepts(rec) is schema_ok, rec
    assert _validator_reason(validator, rec) == reason, rec
    # Where they differ the table says why: the schema never lets through a value the
    # validator refuses for the field itself, and refuses only what the JSON form excludes.
    if schema_ok != (reason is None):
        assert why, f"{field}={value!r}: the schema and the validator disagree unexplained"


def test_a_valid_record_passes_both(iconn, settings, cams):
    rec = record(cams["fixed"], overview="0017-overview.jpg", crop="0017-crop.jpg",
                 alternatives=[{"plate": "AB-12-CE", "confidence": 0.04}])
    assert _schema_accepts(rec)
    assert _validator_reason(Validator(iconn, settings.intake, settings.retention.days),
                             rec) is None
