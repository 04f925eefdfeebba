"""``sourcekeeper urls``: the dry run of discovery."""

from __future__ import annotations

import csv
import json
import sys

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import parse_settings, settings_option
from crawler.core.cells import spreadsheet_safe

COLUMNS = ("document", "line", "role", "written", "url", "canonical", "dropped", "detail",
           "alternatives")


@cli.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, allow_dash=True))
@click.option("--format", "format_", type=click.Choice(("text", "json", "csv")),
              default="text", show_default=True, help="Output format (json: one object a line).")
@click.option("--all-links", is_flag=True,
              help="Cite every link of a saved web page, not only its main content's.")
@click.option("--exclude", "patterns", multiple=True, metavar="PATTERN",
              help="Never cite URLs matching this pattern (*, ?; repeatable).")
@click.option("--follow-links", is_flag=True,
              help="Read files a folder links to outside itself (not followed by default).")
@settings_option
def urls(paths, format_, all_links, patterns, follow_links, pairs):
    """List the URLs the documents under PATHS cite, without fetching anything.

    For each: the document and line, its role (original, related, cited), the URL to fetch,
    as written when that differs, and for what is not cited (images, code, a saved page's
    navigation, excluded, not a valid URL) why. - reads a document from stdin.

    \b
    Example:
      sourcekeeper urls notes/ --format csv
    """
    settings = parse_settings(pairs)
    if follow_links:
        settings["DOCUMENT_FOLLOW_LINKS"] = True
    found = api.discover(list(paths), all_links=all_links, exclude=patterns, settings=settings)
    rows = _rows(found)
    if format_ == "json":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    elif format_ == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: spreadsheet_safe(value) for key, value in
                             {**row, "alternatives": " ".join(row["alternatives"])}.items()})
    else:
        for row in rows:
            click.echo(_text(row))


def _rows(found):
    for document in found:
        if document.error is not None:
            click.echo(f"sourcekeeper: warning: skipped {document.path}: {document.error}",
                       err=True)
            continue
        for finding in document.findings:  # its fields are strings, numbers and enums:
            # read as they are (asdict's deep copy took a third of 300,000 rows' time)
            yield {"document": document.path,
                   **{key: getattr(finding, key) for key in COLUMNS[1:]},
                   "alternatives": list(finding.alternatives)}


def _text(row) -> str:
    where = f"{row['document']}:{row['line']}" if row["line"] else row["document"]
    if row["dropped"]:
        reason = f"{row['dropped']}" + (f" ({row['detail']})" if row["detail"] else "")
        return f"{where}  dropped   {row['url'] or row['written']}  {reason}"
    line = f"{where}  {row['role']:<8}  {row['url']}"
    if row["written"] != row["url"]:
        line += f"  (written {row['written']})"
    for other in row["alternatives"]:
        line += f"\n{' ' * len(where)}  or        {other}"
    return line
