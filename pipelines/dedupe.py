"""Skip work on a body we have already archived for this URL.

A nightly re-crawl mostly fetches pages that have not changed. When a response's body is
byte-identical to the latest snapshot's, its extracted text is too: the item is marked
``body_known`` and takes the stored text hash, so extraction is skipped and the archive
records an unchanged check without storing anything. Bodies that differ still go to
extraction: what decides "changed" is the normalised text, not the markup. A body the
archive holds under another URL (the same page at two addresses) is marked ``body_stored``:
it is extracted for this URL, but not compressed again for nothing.
"""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.core.hashing import sha256
from crawler.fetch.items import Item, PageItem
from pipelines._session import session_of


class DedupePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    async def process_item(self, item: Item) -> Item:
        if not isinstance(item, PageItem) or item.memento is not None:
            return item  # an archive's copy is extracted whatever we hold: it is scored
        item.body_sha256 = sha256(item.body)
        latest, item.body_stored = await session_of(self.crawler).held(item.url_id,
                                                                        item.body_sha256)
        if latest is not None and latest.body_sha256 == item.body_sha256:
            item.body_known = True
            item.text_sha256 = latest.text_sha256
            self.crawler.stats.inc_value("dedupe/body_known")
        return item
