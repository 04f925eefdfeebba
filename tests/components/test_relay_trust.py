"""What comes back through Redis is checked before it becomes evidence: forged, backdated,
malformed, unsealed and inflating items are refused and quarantined (a real redis-server,
a real archive, the writer's own loop), and the writer goes on."""

from __future__ import annotations

import asyncio
import base64
import json
import zlib

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from crawler.core.clock import utcnow
from crawler.core.models import CrawlJob, Target
from crawler.core.schedule import Schedule
from crawler.errors import RelayError
from crawler.fetch.items import FailureItem, PageItem
from crawler.storage import Archive
from tests.helpers import needs_redis


relay_module = pytest.importorskip("crawler.jobs.distributed.relay",
                                   reason="needs the redis extra")
ingest_module = pytest.importorskip("crawler.jobs.distributed.ingest")

pytestmark = needs_redis


@pytest.fixture
def writer(redis_port, tmp_path):
    """A run that queued two URLs, and the writer that archives what comes back."""
    import redis

    def make(key: str | None = None):
        client = redis.Redis(host="127.0.0.1", port=redis_port[0])
        relay = relay_module.Relay(client, "t", key=key, max_bytes=10_000)
        archive = Archive(tmp_path / "a.db")
        ids = [archive.write(archive.urls.add, url, url, utcnow())
               for url in ("https://news.example/a", "https://news.example/b")]
        run = archive.write(archive.runs.start, CrawlJob(relay_prefix="t"), 1, utcnow())
        relay.enqueue(run, [Target(ids[0], "https://news.example/a"),
                            Target(ids[1], "https://news.example/b")])
        relay.set_run(run)
        return relay, archive, ids, ingest_module.Writer(archive, relay, Schedule(3600, 86400,
                                                                                  86400))
    yield make


def page(url_id, url, fetched_at=None, body=b"<html><body><p>Evidence.</p></body></html>"):
    return PageItem(url_id=url_id, requested_url=url, final_url=url,
                    fetched_at=fetched_at or utcnow(), status=200, headers=[],
                    content_type="text/html", kind="html", body=body)


def an_hour_ago() -> str:
    from datetime import UTC, datetime, timedelta

    from crawler.core.clock import iso

    return iso(datetime.now(UTC) - timedelta(hours=1))


def run_writer(relay, writer):
    """The writer's loop, until it has taken every item (or archived every URL)."""
    ingest_module.ingest(relay, writer.record, until_done=True, grace=3600,
                         stopping=lambda: relay.redis.llen(relay.items) == 0,
                         refused=writer.refused)


def test_forged_and_malformed_items_are_refused_and_the_writer_goes_on(writer):
    relay, archive, (a, b), write = writer()
    forged = [
        page(a, "https://bank.example/statement"),           # another URL under a's id
        page(999, "https://news.example/a"),                 # an id the run did not ask for
        page(a, "https://news.example/a", "2001-01-01T00:00:00.000Z"),   # backdated
        page(a, "https://news.example/a", "not-a-date"),
        page(a, "https://news.example/a", an_hour_ago()),     # an older sealed item, replayed
    ]
    for item in forged:
        relay.deliver(item)
    relay.redis.lpush(relay.items, b"not even json")
    relay.redis.lpush(relay.items, json.dumps({"kind": "PageItem", "fields": {
        "body": {"codec": "zstd", "b64": "Z2FyYmFnZQ=="}}}).encode())  # not zstd at all
    run = relay.current_run()
    relay.redis.set("t:run", "not-a-run")                    # a poisoned control key
    assert relay.current_run() is None
    relay.redis.set("t:run", run)
    relay.deliver(page(b, "https://news.example/b"))         # the honest items
    relay.deliver(page(a, "https://news.example/a"))
    run_writer(relay, write)
    status = archive.reads.status(utcnow(), 5)
    assert status.snapshots == 2, "the two honest items"
    assert status.refused_items == 7
    dead = [json.loads(letter) for letter in relay.redis.lrange("t:dead", 0, -1)]
    errors = sorted(letter["error"] for letter in dead)
    assert any("is https://news.example/a, not https://bank.example/statement" in e
               for e in errors)
    assert any("URL id 999 was not asked for" in e for e in errors)
    assert any("fetched_at 2001-01-01" in e for e in errors)
    assert any("fetched_at is not a time: 'not-a-date'" in e for e in errors)
    assert any("before the URL was queued" in e and "a replayed item" in e for e in errors)
    assert any("not a sourcekeeper item" in e for e in errors)
    assert relay.redis.llen("t:processing") == 0, "nothing comes back at the next start"


def test_a_body_that_inflates_past_the_limit_is_refused_without_inflating(writer):
    relay, archive, (a, _), write = writer()
    bomb = zlib.compress(b"\0" * 50_000_000)  # 49 KB that inflates to 50 MB
    message = {"kind": "PageItem", "fields": {
        **json.loads(relay_module.encode_item(page(a, "https://news.example/a")))["fields"],
        "body": {"codec": "zlib", "b64": base64.b64encode(bomb).decode()}}}
    relay.redis.lpush(relay.items, json.dumps(message).encode())
    relay.deliver(FailureItem(url_id=a, requested_url="https://news.example/a",
                              fetched_at=utcnow(), reason="timeout"))
    run_writer(relay, write)
    [letter] = [json.loads(x) for x in relay.redis.lrange("t:dead", 0, -1)]
    assert "more than 10000 bytes once decompressed" in letter["error"]


def test_with_a_relay_key_only_sealed_messages_and_items_count(writer):
    relay, archive, (a, b), write = writer(key="correct horse")
    stranger = relay_module.Relay(relay.redis, "t", key="another key", max_bytes=10_000)
    unsealed = relay_module.Relay(relay.redis, "t", max_bytes=10_000)
    stranger.deliver(page(a, "https://news.example/a"))
    unsealed.deliver(page(a, "https://news.example/a"))
    relay.deliver(page(a, "https://news.example/a"))
    relay.deliver(page(b, "https://news.example/b"))
    run_writer(relay, write)
    assert archive.reads.status(utcnow(), 5).snapshots == 2
    errors = sorted(json.loads(x)["error"] for x in relay.redis.lrange("t:dead", 0, -1))
    assert errors == ["not sealed with the relay key (RELAY_KEY)",
                      "sealed with another key than RELAY_KEY"]
    # A worker with the key ignores a queue message nobody sealed.
    assert relay.target(b'{"id": 1, "url": "https://evil.example/"}') is None
    queued = relay.redis.lindex(relay.requests, 0)
    assert relay.target(queued).url == "https://news.example/a"
    with pytest.raises(RelayError):
        stranger.seal.open(queued)


@pytest_twisted.ensureDeferred
async def test_a_worker_seals_what_it_delivers_with_the_relay_key(writer):
    """The worker's relay pipeline, as Scrapy builds it from the worker's settings: with
    ``RELAY_KEY`` set everywhere, what the workers fetch is archived, not quarantined."""
    from scrapy.utils.test import get_crawler

    from crawler import config
    from pipelines.relay import RelayPipeline

    relay, archive, (a, b), write = writer(key="correct horse")
    url = f"redis://127.0.0.1:{relay.redis.connection_pool.connection_kwargs['port']}/0"
    settings = config.project_settings({"REDIS_URL": url, "RELAY_PREFIX": "t",
                                        "RELAY_KEY": "correct horse"})
    crawler = get_crawler(settings_dict={name: settings[name] for name in settings})
    pipeline = RelayPipeline.from_crawler(crawler)
    for item in (page(a, "https://news.example/a"),
                 FailureItem(url_id=b, requested_url="https://news.example/b",
                             fetched_at=utcnow(), reason="timeout")):
        await Deferred.fromFuture(asyncio.ensure_future(pipeline.process_item(item)))
    run_writer(relay, write)
    assert relay.redis.lrange("t:dead", 0, -1) == []
    assert archive.reads.status(utcnow(), 5).snapshots == 1
    assert pipeline.relay.max_bytes == settings.getint("DOWNLOAD_MAXSIZE")
