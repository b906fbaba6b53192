"""Text that an XML 1.0 file can carry (the KML and GPX the system writes).

XML 1.0 allows no C0 control character but tab, line feed and carriage return, no
U+FFFE or U+FFFF and no lone surrogate, not even as a character reference. Python's
ElementTree writes them as they are, and the file no longer parses: a location name or
a motivation an editor typed with one (pasted from a document) made the published camera
plan's KML unreadable to every KML viewer and to GDAL. Such a character becomes U+FFFD
(the replacement character) there; the other formats (CSV, GeoJSON, GeoPackage) keep
the text exactly.
"""
from __future__ import annotations

import re

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def text(value: str) -> str:
    """``value`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)
