"""Text in a CSV cell that a spreadsheet would not take for a formula.

The CSV files the system writes are opened in spreadsheets: the requester's package
(``passages.csv``), the public camera plan, the auditors' tables. A cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula there, so text that
someone else typed (a camera's raw read, a location's name, a plan's motivation) could run
in the reader's spreadsheet (CSV injection; OWASP's advice is followed: such text gets a
leading apostrophe, which a spreadsheet shows as text). Only text is touched: numbers,
negative ones too, are written as they are.
"""
from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
