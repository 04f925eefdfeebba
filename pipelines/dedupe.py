"""Skip work on a body we have already archived for this URL.

A nightly re-crawl mostly fetches pages that have not changed. When a response's body is
byte-identical to the latest snapshot's, its extracted text is too: the item is marked
``body_known`` and takes the stored text hash, so extraction is skipped and the archive
records an unchanged check without storing anything. Bodies that differ still go to
extraction: what decides "changed" is the normalised text, not the markup.

Settings: ``ARCHIVE_DB`` (read only).
"""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.archive import Archive, sha256
from crawler.items import PageItem


class DedupePipeline:
    def __init__(self, archive_path: str, stats):
        self.archive_path = archive_path
        self.stats = stats
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.settings.get("ARCHIVE_DB"), crawler.stats)

    def open_spider(self) -> None:
        self.archive = Archive(self.archive_path)

    def close_spider(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        item.body_sha256 = sha256(item.body)
        latest = self.archive.latest_snapshot(item.url_id) if self.archive else None
        if latest is not None and latest["body_sha256"] == item.body_sha256:
            item.body_known = True
            item.text_sha256 = latest["text_sha256"]
            self.stats.inc_value("dedupe/body_known")
        return item
