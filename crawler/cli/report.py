"""``sourcekeeper report``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, output_options, utc_option


@cli.command()
@db_option
@output_options(api.REPORT_FORMATS, "text")
@click.option("--document", help="Only this document (id or path).")
@utc_option
def report(db, format_, destination, document, utc):
    """Report, per document, the state of every cited source and how much of the document
    it still carries; documents whose original source is broken or no longer matches first.

    States: ok, changed, moved, soft-404, gone, unreachable, blocked, failing, unchecked.
    The HTML report is one self-contained page.

    \b
    Example:
      sourcekeeper report --db archive.db --format html -o report.html
    """
    api.write_report(destination, format=format_, db=db, document=document, utc=utc)
