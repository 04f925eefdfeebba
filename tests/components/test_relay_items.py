"""Items keep every field on their trip through Redis, as JSON (never pickle)."""

from __future__ import annotations

import pytest

from crawler.core.codec import compress
from crawler.core.hashing import sha256
from crawler.core.models import Blob, Extraction, Hop
from crawler.errors import RelayError
from crawler.fetch.items import FailureItem, NotModifiedItem, PageItem

relay = pytest.importorskip("crawler.jobs.distributed.relay", reason="needs the redis extra")


def test_items_survive_the_trip_through_redis():
    page = PageItem(url_id=3, requested_url="https://x.org/", final_url="https://x.org/a",
                    fetched_at="2026", status=200, headers=[["A", "b"]], content_type="text/html",
                    kind="html", body=b"<p>\x00\xff body</p>", raw_body=b"\x1f\x8b raw",
                    extraction=Extraction("body", "ab", title="T", metadata={"tags": "x"},
                                          page_text="Home\nbody"),
                    redirects=[Hop("https://x.org/", 301, "https://x.org/a", "2026",
                                   (("Location", "/a"),), (("Host", "x.org"),))])
    assert relay.decode_item(relay.encode_item(page)) == page
    page.packed = Blob(sha256(page.body), len(page.body), *compress(page.body))
    message = relay.encode_item(page)
    assert relay.decode_item(message) == page and message.count(b'"b64"') == 2, "body sent once"
    failure = FailureItem(url_id=1, requested_url="https://x.org/", fetched_at="2026",
                          reason="timeout")
    assert relay.decode_item(relay.encode_item(failure)) == failure
    same = NotModifiedItem(url_id=2, requested_url="https://x.org/", final_url="https://x.org/",
                           fetched_at="2026", etag='"v1"')
    assert relay.decode_item(relay.encode_item(same)) == same


@pytest.mark.parametrize("message", [b"not json", b'{"kind": "Pickle", "fields": {}}',
                                     b'{"kind": "PageItem", "fields": {"nope": 1}}'])
def test_what_is_not_ours_is_refused(message):
    with pytest.raises(RelayError, match="not a sourcekeeper item"):
        relay.decode_item(message)


def test_queue_messages():
    assert relay.target_of(b'{"id": 4, "url": "https://x.org/", "etag": "e"}').etag == "e"
    assert relay.target_of(b'{"url": "https://x.org/"}') is None
    assert relay.target_of(b"\xff") is None


def test_items_queued_by_an_older_sourcekeeper_still_decode():
    """Items written before the typed records (extraction as a dict, ``packed`` as a
    codec and data) are archived after an upgrade, not lost."""
    import base64
    import json

    body = b"<p>old body</p>"
    codec, data = compress(body)
    message = json.dumps({"kind": "PageItem", "fields": {
        "url_id": 3, "requested_url": "https://x.org/", "final_url": "https://x.org/",
        "fetched_at": "2026", "status": 200, "headers": [["A", "b"]],
        "content_type": "text/html", "kind": "html", "body": {"from_packed": True},
        "extraction": {"text": "old body", "text_sha256": "ab", "title": "T",
                       "author": None, "date": None, "sitename": None, "language": "en",
                       "metadata": {}},
        "packed": {"packed": codec, "b64": base64.b64encode(data).decode("ascii")},
        "redirects": ["https://x.org/old"],
    }}).encode()
    item = relay.decode_item(message)
    assert item.redirects == [Hop("https://x.org/old")]
    assert item.body == body and item.extraction.title == "T"
    assert item.packed == Blob(sha256(body), len(body), codec, data)
