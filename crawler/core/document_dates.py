"""When a document was written, as far as the document itself says.

A source first archived months after the document citing it may already have changed
(capture lag), and the web archive copy worth keeping is the one taken before the document
was written (crawler.core.mementos). The date comes, in this order, from the document's own
metadata (an HTML page's publication date; a "Published:" / "Date:" line near the top of a
text), the file's modification time, or the time we first read it; the jobs layer supplies
the last two, and records which one was used, so a report can say how sure the date is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from crawler.core.clock import iso, parse_iso
from crawler.core.models import Document

__all__ = ["FROM_FIRST_SEEN", "FROM_METADATA", "FROM_MTIME", "written_in"]

FROM_METADATA = "metadata"
FROM_MTIME = "file modified"
FROM_FIRST_SEEN = "first read"

_LABEL = r"(?:published|posted|date|dated|updated|written|created|sent)(?:\s+on)?\s*[:\-]?\s*"
_ISO = re.compile(_LABEL + r"(\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?)?(?:Z|[+-]\d\d:?\d\d)?)",
                  re.IGNORECASE)
_MONTHS = ("january february march april may june july august september october november "
           "december").split()
_WORDS = re.compile(_LABEL + r"(?:\w+,?\s+)?(?:(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})|"
                    r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}))",
                    re.IGNORECASE)
_HTML_META = re.compile(
    r"<meta\s[^>]*(?:property|name|itemprop)\s*=\s*[\"'](?:article:published_time|"
    r"datePublished|date|dc\.date|dcterms\.created|pubdate|og:published_time)[\"'][^>]*>",
    re.IGNORECASE)
_CONTENT = re.compile(r"content\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_TIME = re.compile(r"<time\s[^>]*datetime\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_HEAD_LINES = 40


def _month(name: str) -> int | None:
    name = name.lower()
    return next((n for n, month in enumerate(_MONTHS, 1)
                 if month.startswith(name) and len(name) >= 3), None)


def _moment(text: str) -> str | None:
    """An ISO date or date-time (UTC unless it says otherwise) as archive time text."""
    try:
        moment = parse_iso(text.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    return _plausible(moment)


def _plausible(moment: datetime) -> str | None:
    return iso(moment) if 1990 <= moment.year <= 2100 else None


def _from_html(markup: str) -> str | None:
    for tag in _HTML_META.finditer(markup):
        if (content := _CONTENT.search(tag[0])) and (found := _moment(content[1][:25])):
            return found
    if (time := _TIME.search(markup)) is not None:
        return _moment(time[1][:25])
    return None


def _from_text(text: str) -> str | None:
    head = "\n".join(text.splitlines()[:_HEAD_LINES])
    if (match := _ISO.search(head)) is not None and (found := _moment(match[1])):
        return found
    for match in _WORDS.finditer(head):
        day, month, year = ((match[1], match[2], match[3]) if match[1]
                            else (match[5], match[4], match[6]))
        number = _month(month)
        if number is None:
            continue
        try:
            return _plausible(datetime(int(year), number, int(day), tzinfo=UTC))
        except ValueError:
            continue
    return None


def written_in(document: Document) -> str | None:
    """The date a document gives for itself (archive time text), or None."""
    if document.kind == "html" and document.content:
        return _from_html(document.content[:200_000]) or _from_text(document.text)
    return _from_text(document.text)
