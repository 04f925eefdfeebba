"""Retry-After parsing (the retry behaviour itself is exercised by whole crawls)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.fetch.retry import retry_after_seconds


def test_retry_after_delta_seconds_and_http_date():
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(b"Wed, 25 Nov 2026 12:01:30 GMT", now) == 90.0
    assert retry_after_seconds(b"Wed, 25 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None
