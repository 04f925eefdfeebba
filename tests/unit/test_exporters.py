"""CSV for Excel: a cell longer than Excel takes is cut, and says so."""

from __future__ import annotations

import csv
import io

from crawler.core.models import Outcome
from crawler.core.views import CheckRecord
from crawler.outputs.exporters import EXCEL_CELL, write_csv


def test_a_long_cell_is_cut_for_excel_with_a_marker():
    record = CheckRecord("https://example.org/", "2026-01-01T00:00:00.000Z", 500,
                         Outcome.FAILED, "x" * 40000, None, (), None)
    out = io.StringIO()
    assert write_csv([record], out, checks=True, excel=True) == 1
    [row] = csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff")))
    assert len(row["reason"]) == EXCEL_CELL and row["reason"].endswith("…[truncated]")
    plain = io.StringIO()
    write_csv([record], plain, checks=True)
    [row] = csv.DictReader(io.StringIO(plain.getvalue()))
    assert len(row["reason"]) == 40000, "only --excel cuts"
