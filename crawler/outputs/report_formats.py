"""The report (built by crawler.jobs.report) as text, JSON, CSV or one self-contained HTML page.

Everything that came from a document or a page is escaped in HTML: archived content is
untrusted, and the report must stay a page that only displays it (no scripts, no external
assets, nothing fetched when it is opened).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import asdict
from html import escape
from typing import IO

from crawler import __version__
from crawler.core.clock import utcnow
from crawler.core.views import DocumentReport

Report = list[DocumentReport]

CSV_COLUMNS = ("document_id", "document_path", "attention", "url", "role", "anchor", "state",
               "detail", "first_archived", "last_archived", "last_checked", "coverage",
               "missing_passages")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def text(report: Report, out: IO[str]) -> None:
    for document in report:
        mark = "!! " if document.attention else ""
        out.write(f"{mark}{document.path}  ({document.id[:12]})\n")
        for source in document.sources:
            detail = f"  {source.detail}" if source.detail else ""
            out.write(f"  {source.role:<8} {source.state:<11} "
                      f"coverage {_percent(source.coverage):>4}  {source.url}{detail}\n")
            if source.role == "original":
                for passage in source.missing:
                    out.write(f"      not in source: {passage}\n")
        for quote in document.unsourced_quotes:
            out.write(f"  quote found in no source: \"{quote}\"\n")
        out.write("\n")


def as_json(report: Report, out: IO[str]) -> None:
    json.dump({"generated_at": utcnow(), "documents": [asdict(document) for document in report]},
              out, ensure_ascii=False, indent=2)
    out.write("\n")


def as_csv(report: Report, out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for document in report:
        for source in document.sources:
            writer.writerow({
                "document_id": document.id, "document_path": document.path,
                "attention": document.attention,
                **{key: getattr(source, key) for key in (
                    "url", "role", "anchor", "state", "detail", "first_archived",
                    "last_archived", "last_checked", "coverage")},
                "missing_passages": json.dumps(list(source.missing), ensure_ascii=False),
            })


_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.1em;margin-top:2em;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;
text-align:left;vertical-align:top}td.url{word-break:break-all}
.attention h2::before{content:"⚠ ";color:#b00}
.state{font-weight:600}.gone,.unreachable,.soft-404,.blocked{color:#b00}
.changed,.moved,.failing{color:#a60}.ok{color:#070}
blockquote{margin:.3em 0 .3em 1em;padding-left:.6em;border-left:3px solid #b00;color:#444}
small{color:#666}
"""


def html(report: Report, out: IO[str]) -> None:
    attention = sum(document.attention for document in report)
    out.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'\">"
              f"<title>sourcekeeper report</title><style>{_STYLE}</style></head><body>\n")
    out.write(f"<h1>Sources of {len(report)} documents</h1>\n<p><small>"
              f"{attention} need attention · generated {escape(utcnow())} by sourcekeeper "
              f"{escape(__version__)}</small></p>\n")
    for document in report:
        css = ' class="attention"' if document.attention else ""
        out.write(f"<section{css}><h2>{escape(document.path)}</h2>"
                  f"<p><small>document {escape(document.id[:12])} · read "
                  f"{escape(document.read_at or '')}</small></p>\n<table><tr><th>Role</th>"
                  "<th>State</th><th>Coverage</th><th>URL</th><th>Archived</th></tr>\n")
        for source in document.sources:
            anchor = f"<br><small>{escape(source.anchor)}</small>" if source.anchor else ""
            detail = f"<br><small>{escape(source.detail)}</small>" if source.detail else ""
            out.write(
                f"<tr><td>{escape(source.role)}</td><td><span class=\"state "
                f"{escape(source.state)}\">{escape(source.state)}</span>{detail}</td>"
                f"<td>{_percent(source.coverage)}</td><td class=\"url\">"
                f"{escape(source.url)}{anchor}</td><td><small>"
                f"{escape(source.first_archived or 'never')} – "
                f"{escape(source.last_archived or '')}</small></td></tr>\n")
        out.write("</table>\n")
        for source in document.sources:
            if source.role == "original" and source.missing:
                out.write(f"<p>Passages not found in {escape(source.url)}:</p>\n")
                for passage in source.missing:
                    out.write(f"<blockquote>{escape(passage)}</blockquote>\n")
        if document.unsourced_quotes:
            out.write("<p>Quotes found in none of the archived sources:</p>\n")
            for quote in document.unsourced_quotes:
                out.write(f"<blockquote>“{escape(quote)}”</blockquote>\n")
        out.write("</section>\n")
    out.write("</body></html>\n")


RENDERERS: dict[str, Callable[[Report, IO[str]], None]] = {
    "text": text, "json": as_json, "csv": as_csv, "html": html}
FORMATS = tuple(RENDERERS)
