"""The report (built by crawler.jobs.report) as text, JSON, CSV or one self-contained HTML page.

Everything that came from a document or a page is escaped in HTML: archived content is
untrusted, and the report must stay a page that only displays it (no scripts, no external
assets, nothing fetched when it is opened). Text and HTML are read by people: their times
are local (UTC with ``utc``); JSON and CSV keep ISO 8601 UTC for programs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import asdict
from html import escape
from typing import IO

from crawler import __version__
from crawler.core.cells import spreadsheet_safe
from crawler.core.clock import shown_time, utcnow
from crawler.core.mementos import RecoveredCopy, relative
from crawler.core.views import DocumentReport, QuoteReport, QuoteStatus

Report = list[DocumentReport]

CSV_COLUMNS = ("document_id", "document_path", "attention", "url", "role", "anchor", "state",
               "detail", "first_archived", "last_archived", "last_checked", "coverage",
               "missing_passages", "document_state", "attention_reasons", "archived_copy",
               "archived_copy_taken", "archived_copy_quotes", "archived_copy_coverage")

LEGEND = """\
Legend:
  !!         the document needs attention; the lines after "needs attention:" say why
             (a cited source gone, unreachable, a soft-404, blocked or moved elsewhere; a
             quote removed from its source; a copied document its original no longer carries)
  roles      original: the page the document is a copy of or names as its source;
             related: a related article; cited: any other link
  coverage   for a document that is a copy of its original: how much of it the original's
             latest snapshot still carries ("not in source": the passages it no longer has)
  quotes     found (in the latest snapshot of a cited source), removed since DATE (the first
             snapshot without it), in an archived copy (only in a web archive's copy of a
             cited source), never found (in no snapshot of any cited source)
  archived copy  a web archive's copy of the source (Wayback Machine, Memento), taken before
             the document was written where one was, with the quotes and text it carries;
             the document's date comes from its metadata, its file's mtime or its first read
"""


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _quote_line(quote: QuoteReport, utc: bool = False) -> str:
    if quote.status is QuoteStatus.FOUND:
        where = f"found in {quote.url}"
    elif quote.status is QuoteStatus.REMOVED:
        where = (f"removed since {shown_time(quote.since, utc)} (snapshot {quote.snapshot_id}) "
                 f"from {quote.url}")
    elif quote.status is QuoteStatus.ARCHIVED:
        where = (f"found only in an archived copy of {quote.url}, taken "
                 f"{shown_time(quote.since, utc)} (snapshot {quote.snapshot_id})")
    else:
        where = "never found in any source"
    return f"  quote {where}: \u201c{quote.quote}\u201d"


def _copy_line(copy: RecoveredCopy) -> str:
    """A source's archived copy, for people: where, when against the document, what it
    carries."""
    quoted = (f"carries {len(copy.quotes)} of {copy.quotes_total} quotes, "
              if copy.quotes_total else "")
    known = f", date from {copy.written_from}" if copy.written_from else ""
    return (f"archived copy: {copy.archive}, {relative(copy.taken, copy.written)}{known}; "
            f"{quoted}coverage {copy.coverage:.0%} (snapshot {copy.snapshot_id}) {copy.uri}")


def text(report: Report, out: IO[str], utc: bool = False) -> None:
    live = [document for document in report if document.state == "live"]
    for document in live:
        mark = "!! " if document.attention else ""
        out.write(f"{mark}{document.path}  ({document.id[:12]})\n")
        for reason in document.reasons:
            out.write(f"   needs attention: {reason}\n")
        for source in document.sources:
            detail = f"  {source.detail}" if source.detail else ""
            covered = (f"coverage {_percent(source.coverage):>4}" if source.coverage is not None
                       else "")
            out.write(f"  {source.role:<8} {source.state:<11} {covered:<13}  "
                      f"{source.url}{detail}\n")
            for passage in source.missing:
                out.write(f"      not in source: {passage}\n")
            if source.recovered is not None:
                out.write(f"      {_copy_line(source.recovered)}\n")
        for quote in document.quotes:
            out.write(_quote_line(quote, utc) + "\n")
        out.write("\n")
    missing = [document for document in report if document.state != "live"]
    if missing:
        out.write("Missing documents (the file is gone; its sources are no longer checked "
                  "for it):\n")
        for document in missing:
            out.write(f"  {document.path}  missing since "
                      f"{shown_time(document.missing_since, utc)}\n")
        out.write("\n")
    if report:
        out.write(LEGEND)


def as_json(report: Report, out: IO[str], utc: bool = False) -> None:  # noqa: ARG001 (ISO)
    json.dump({"generated_at": utcnow(), "documents": [asdict(document) for document in report]},
              out, ensure_ascii=False, indent=2)
    out.write("\n")


def as_csv(report: Report, out: IO[str], utc: bool = False) -> None:  # noqa: ARG001 (ISO)
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for document in report:
        for source in document.sources:
            writer.writerow({key: spreadsheet_safe(value) for key, value in {
                "document_id": document.id, "document_path": document.path,
                "attention": document.attention,
                **{key: getattr(source, key) for key in (
                    "url", "role", "anchor", "state", "detail", "first_archived",
                    "last_archived", "last_checked", "coverage")},
                "missing_passages": json.dumps(list(source.missing), ensure_ascii=False),
                "document_state": document.state,
                "attention_reasons": json.dumps(list(document.reasons), ensure_ascii=False),
                **_copy_columns(source.recovered),
            }.items()})


def _copy_columns(copy: RecoveredCopy | None) -> dict[str, object]:
    if copy is None:
        return {}
    return {"archived_copy": copy.uri, "archived_copy_taken": copy.taken,
            "archived_copy_quotes": json.dumps(list(copy.quotes), ensure_ascii=False),
            "archived_copy_coverage": copy.coverage}


_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.1em;margin-top:2em;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;
text-align:left;vertical-align:top}td.url{word-break:break-all}
.attention h2::before{content:"⚠ ";color:#b00}
.state{font-weight:600}.gone,.unreachable,.soft-404,.blocked{color:#b00}
.changed,.moved,.failing{color:#a60}.ok{color:#070}
blockquote{margin:.3em 0 .3em 1em;padding-left:.6em;border-left:3px solid #b00;color:#444}
blockquote.found{border-color:#070}blockquote.removed{border-color:#b00}
blockquote.in-an-archived-copy{border-color:#a60}
small{color:#666}
"""


def html(report: Report, out: IO[str], utc: bool = False) -> None:
    missing = [document for document in report if document.state != "live"]
    report = [document for document in report if document.state == "live"]
    attention = sum(document.attention for document in report)
    out.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'\">"
              f"<title>sourcekeeper report</title><style>{_STYLE}</style></head><body>\n")
    out.write(f"<h1>Sources of {len(report)} documents</h1>\n<p><small>"
              f"{attention} need attention · generated {escape(shown_time(utcnow(), utc))} by "
              f"sourcekeeper "
              f"{escape(__version__)}</small></p>\n")
    for document in report:
        css = ' class="attention"' if document.attention else ""
        out.write(f"<section{css}><h2>{escape(document.path)}</h2>"
                  f"<p><small>document {escape(document.id[:12])} · read "
                  f"{escape(shown_time(document.read_at, utc))}</small></p>\n")
        if document.reasons:
            out.write("<p>Needs attention:</p><ul>" + "".join(
                f"<li>{escape(reason)}</li>" for reason in document.reasons) + "</ul>\n")
        out.write("<table><tr><th>Role</th>"
                  "<th>State</th><th>Coverage</th><th>URL</th><th>Archived</th></tr>\n")
        for source in document.sources:
            anchor = f"<br><small>{escape(source.anchor)}</small>" if source.anchor else ""
            detail = f"<br><small>{escape(source.detail)}</small>" if source.detail else ""
            out.write(
                f"<tr><td>{escape(source.role)}</td><td><span class=\"state "
                f"{escape(source.state)}\">{escape(source.state)}</span>{detail}</td>"
                f"<td>{_percent(source.coverage)}</td><td class=\"url\">"
                f"{escape(source.url)}{anchor}</td><td><small>"
                f"{escape(_archived(source.first_archived, source.last_archived, utc))}"
                "</small></td></tr>\n")
        out.write("</table>\n")
        for source in document.sources:
            if source.recovered is not None:
                out.write(f"<p class=\"copy\"><small>{escape(source.url)}: "
                          f"{escape(_copy_line(source.recovered))}</small></p>\n")
            if source.role == "original" and source.missing:
                out.write(f"<p>Passages not found in {escape(source.url)}:</p>\n")
                for passage in source.missing:
                    out.write(f"<blockquote>{escape(passage)}</blockquote>\n")
        for quote in document.quotes:
            out.write(f"<blockquote class=\"quote {escape(quote.status.replace(' ', '-'))}\">"
                      f"“{escape(quote.quote)}”<br><small>"
                      f"{escape(_quote_line(quote, utc).split(': ', 1)[0].strip())}</small>"
                      "</blockquote>\n")
        out.write("</section>\n")
    if missing:
        out.write("<h2>Missing documents</h2><p><small>The file is gone; its sources are no "
                  "longer checked for it.</small></p><ul>\n")
        for document in missing:
            out.write(f"<li>{escape(document.path)} <small>missing since "
                      f"{escape(shown_time(document.missing_since, utc))}</small></li>\n")
        out.write("</ul>\n")
    out.write("<h2>Legend</h2><pre>" + escape(LEGEND.split("\n", 1)[1]) + "</pre>\n")
    out.write("</body></html>\n")


def _archived(first: str | None, last: str | None, utc: bool) -> str:
    if first is None:
        return "never"
    return shown_time(first, utc) + ("" if last in (None, first) else
                                     f" – {shown_time(last, utc)}")


RENDERERS: dict[str, Callable[..., None]] = {
    "text": text, "json": as_json, "csv": as_csv, "html": html}
FORMATS = tuple(RENDERERS)
