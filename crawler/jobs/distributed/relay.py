"""The Redis hand-off for distributed crawls: due URLs out to workers, items back to one
writer. Only the writer touches the SQLite archive, so it is never shared over a network.

Keys (under a prefix, ``sourcekeeper`` by default):

- ``<p>:requests``: the shared queue of URLs to fetch (JSON), read by scrapy-redis workers;
- ``<p>:pending``: URL id -> its message, for every URL of the run not yet archived;
- ``<p>:claims``: URL id -> the worker fetching it; ``<p>:worker:<id>``: that worker's
  heartbeat (expires when the worker dies);
- ``<p>:items`` and ``<p>:processing``: items going back to the writer, moved to
  ``processing`` while they are written and removed only once committed;
- ``<p>:run:<id>:seen``: canonical URLs enqueued in a run (the run's own dupefilter);
- ``<p>:dead``: items the writer refused, with the error (crawler.jobs.distributed.trust).

Messages and items are sealed with ``RELAY_KEY`` when it is set, and every item is checked
before it is written (crawler.jobs.distributed.trust); ``DOWNLOAD_MAXSIZE`` caps a body.

A worker that dies mid-page leaves a claim whose heartbeat has expired: the writer puts that
URL back on the queue, and another worker fetches it. A writer that dies mid-item finds it in
``processing`` when it starts again.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from crawler import config
from crawler.core.clock import utcnow
from crawler.core.codec import compress, decompress
from crawler.core.hashing import sha256
from crawler.core.models import Blob, Extraction, Hop, Target
from crawler.core.url import canonical, redacted, scrubbed_reason
from crawler.jobs.distributed.trust import Seal, check_item
from crawler.errors import RelayError
from crawler.fetch.items import FailureItem, Item, NotModifiedItem, PageItem

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
_KINDS = {cls.__name__: cls for cls in (PageItem, NotModifiedItem, FailureItem)}


def client_options() -> dict[str, Any]:
    """redis-py options for every long-lived client (ours and scrapy-redis's): reconnect with
    exponential backoff instead of failing on the first dropped connection."""
    return {"retry": Retry(ExponentialBackoff(cap=10, base=0.2), 8),
            "retry_on_error": [RedisConnectionError, RedisTimeoutError],
            "health_check_interval": 30, "socket_connect_timeout": 5, "socket_timeout": 30}


def relay_for(client: redis.Redis, prefix: str, settings: Any) -> Relay:
    """The relay of an archive's prefix, sealed with ``RELAY_KEY`` and bodies capped at
    ``DOWNLOAD_MAXSIZE`` (see crawler.jobs.distributed.trust)."""
    return Relay(client, prefix, key=config.get(settings, "RELAY_KEY") or None,
                 max_bytes=int(settings.get("DOWNLOAD_MAXSIZE") or 20 * 1024 * 1024))


def connect(url: str, wait: float) -> redis.Redis:
    """A client that retries with backoff on connection errors, once Redis answers.

    Workers may start before Redis does, so we wait up to ``wait`` seconds for a first answer.
    That wait is the only retry loop at start-up: it probes with a client that does not retry
    itself (a retrying client inside a retry loop multiplies the waits: a 1 s wait took 42 s).
    """
    probe = redis.Redis.from_url(url, retry=Retry(NoBackoff(), 0),
                                 socket_connect_timeout=max(0.1, min(5.0, wait)),
                                 socket_timeout=max(0.1, min(5.0, wait)))
    try:
        for attempt in Retrying(retry=retry_if_exception_type(RedisConnectionError),
                                wait=wait_exponential(multiplier=0.2, max=5),
                                stop=stop_after_delay(wait), reraise=True):
            with attempt:
                probe.ping()
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise RelayError(f"{redacted(url)}: Redis does not answer "
                         f"({scrubbed_reason(str(exc))})") from None
    finally:
        probe.close()
    return redis.Redis.from_url(url, **client_options())


@contextmanager
def relay_errors(url: str) -> Iterator[None]:
    """Redis failing mid-run (beyond redis-py's own retries) as one :class:`RelayError`."""
    try:
        yield
    except redis.RedisError as exc:
        raise RelayError(f"{redacted(url)}: Redis failed: "
                         f"{scrubbed_reason(str(exc))}") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode_item(item: Item) -> bytes:
    """JSON for an item; bytes compressed and base64-encoded (never pickle: the queue may be
    shared, and unpickling runs code). A body an extraction worker already compressed
    travels once, as ``packed``."""
    fields: dict[str, Any] = {}
    packed = getattr(item, "packed", None)
    for field in dataclasses.fields(item):
        value = getattr(item, field.name)
        if field.name == "body" and packed is not None:
            value = {"from_packed": True}
        elif isinstance(value, bytes):
            codec, data = compress(value)
            value = {"codec": codec, "b64": _b64(data)}
        elif isinstance(value, Blob):
            value = {"blob": value.sha256, "size": value.size, "codec": value.codec,
                     "b64": _b64(value.data)}
        elif isinstance(value, Extraction):
            value = {"extraction": value.as_dict()}
        elif field.name == "redirects":
            value = [hop.as_dict() for hop in value]
        fields[field.name] = value
    return json.dumps({"kind": type(item).__name__, "fields": fields}).encode("utf-8")


def _decoded(name: str, value: Any, limit: int | None) -> Any:
    if not isinstance(value, dict):
        return value
    if "blob" in value:
        return Blob(value["blob"], value["size"], value["codec"], base64.b64decode(value["b64"]))
    if "packed" in value:  # written by sourcekeeper before 2026-11-25: (codec, data)
        data = base64.b64decode(value["b64"])
        body = decompress(value["packed"], data, limit)
        return Blob(sha256(body), len(body), value["packed"], data)
    if "codec" in value:
        return decompress(value["codec"], base64.b64decode(value["b64"]), limit)
    if "extraction" in value:
        return Extraction(**value["extraction"])
    if name == "extraction" and "text" in value:  # before 2026-11-25: a plain dict
        return Extraction(**value)
    return value


def decode_item(data: bytes, limit: int | None = None) -> Item:
    """An item from its JSON (also as older versions wrote it, so that items queued before
    an upgrade are not lost), no body inflating past ``limit`` bytes. Raises
    :class:`RelayError` for what is not ours."""
    try:
        message = json.loads(data)
        kind = _KINDS[message["kind"]]
        fields = {name: _decoded(name, value, limit)
                  for name, value in message["fields"].items()}
        if "redirects" in fields:  # hops (bare URLs before 2026-11-25)
            fields["redirects"] = [Hop.of(hop) for hop in fields["redirects"]]
        if fields.get("body") == {"from_packed": True}:
            packed = fields["packed"]
            fields["body"] = decompress(packed.codec, packed.data, limit)
        return kind(**fields)
    except Exception as exc:  # zlib.error, ZstdError, ... : whatever is not ours
        raise RelayError(f"not a sourcekeeper item: {type(exc).__name__}: {exc}") from None


def target_of(message: bytes) -> Target | None:
    """The URL a queue message asks a worker to fetch, or None for what is not ours."""
    try:
        fields = json.loads(message)
        return Target(int(fields["id"]), str(fields["url"]), fields.get("etag"),
                      fields.get("last_modified"))
    except (ValueError, KeyError, TypeError):
        return None


class Relay:
    """The Redis keys of one archive's distributed crawls. ``key`` seals and checks every
    message and item (crawler.jobs.distributed.trust); ``max_bytes`` caps a body."""

    def __init__(self, client: redis.Redis, prefix: str, *, max_bytes: int,
                 key: str | None = None):
        self.redis = client
        self.prefix = prefix
        self.seal = Seal(key)
        self.max_bytes = max_bytes
        self.dead = f"{prefix}:dead"
        self.requests = f"{prefix}:requests"
        self.pending = f"{prefix}:pending"
        self.claims = f"{prefix}:claims"
        self.items = f"{prefix}:items"
        self.processing = f"{prefix}:processing"

    # The coordinator.

    def enqueue(self, run_id: int, targets: Iterable[Target]) -> int:
        """Queue the run's URLs, each canonical URL once per run; return how many."""
        seen = f"{self.prefix}:run:{run_id}:seen"
        count = 0
        batch = self.redis.pipeline(transaction=False)
        for target in targets:
            if not self.redis.sadd(seen, canonical(target.url)):
                continue
            message = self.seal.seal(json.dumps(
                {"id": target.id, "url": target.url, "etag": target.etag,
                 "last_modified": target.last_modified, "run": run_id,
                 "queued_at": utcnow()}).encode("utf-8"))
            batch.hset(self.pending, str(target.id), message)
            batch.rpush(self.requests, message)
            count += 1
            if count % 500 == 0:
                batch.execute()
        batch.execute()
        self.redis.expire(seen, 7 * 86400)
        return count

    def set_run(self, run_id: int | None) -> None:
        """The run the writer records items under."""
        if run_id is None:
            self.redis.delete(f"{self.prefix}:run")
        else:
            self.redis.set(f"{self.prefix}:run", run_id)

    def current_run(self) -> int | None:
        value = self.redis.get(f"{self.prefix}:run")
        try:
            return int(value) if value is not None else None
        except ValueError:
            logger.error("ignored %s:run = %r: not a run", self.prefix, value[:40])
            return None

    # Workers.

    def target(self, message: bytes) -> Target | None:
        """The URL a queue message asks to fetch; None (logged) for one that is not ours or
        not sealed with the relay key."""
        try:
            return target_of(self.seal.open(message))
        except RelayError as exc:
            logger.warning("ignored a queue message: %s", exc)
            return None

    def claim(self, worker: str, url_id: int) -> None:
        self.redis.hset(self.claims, str(url_id), worker)

    def heartbeat(self, worker: str) -> None:
        self.redis.set(f"{self.prefix}:worker:{worker}", "alive", ex=HEARTBEAT_SECONDS)

    def deliver(self, item: Item) -> None:
        """Hand an item to the writer; the URL's claim ends with it."""
        with self.redis.pipeline() as batch:
            batch.lpush(self.items, self.seal.seal(encode_item(item)))
            batch.hdel(self.claims, str(item.url_id))
            batch.execute()

    # The writer.

    def recover(self) -> int:
        """Put back items a previous writer took but did not commit."""
        moved = 0
        while self.redis.lmove(self.processing, self.items, "RIGHT", "RIGHT") is not None:
            moved += 1
        return moved

    def take(self, timeout: float) -> tuple[bytes, Item | None, str | None] | None:
        """The next item, checked (crawler.jobs.distributed.trust): ``(raw, item, None)``,
        or ``(raw, None, why)`` for one that was refused and quarantined; None when none
        came within ``timeout`` seconds."""
        raw = self.redis.blmove(self.items, self.processing, timeout, "RIGHT", "LEFT")
        if raw is None:
            return None
        try:
            item = decode_item(self.seal.open(raw), self.max_bytes)
            check_item(item, *self._asked(item.url_id), max_bytes=self.max_bytes)
        except RelayError as exc:
            self.quarantine(raw, str(exc))
            return raw, None, str(exc)
        return raw, item, None

    def _asked(self, url_id: Any) -> tuple[str | None, str | None]:
        """The URL the run queued under ``url_id`` and when, if it did."""
        message = self.redis.hget(self.pending, str(url_id)) if isinstance(url_id, int) \
            else None
        if message is None:
            return None, None
        payload = self.seal.open(message)
        target = target_of(payload)
        if target is None or target.id != url_id:
            return None, None
        return target.url, json.loads(payload).get("queued_at")

    def quarantine(self, raw: bytes, error: str) -> None:
        """Move an item that cannot be archived to the dead-letter list, with its error
        (the newest 1,000 are kept): it is neither lost nor taken again at every start."""
        logger.error("quarantined an item in %s: %s", self.dead, error)
        letter = json.dumps({"error": error, "at": time.time(), "item": _b64(raw[:100_000])})
        with self.redis.pipeline() as batch:
            batch.lpush(self.dead, letter)
            batch.ltrim(self.dead, 0, 999)
            batch.lrem(self.processing, 1, raw)
            batch.execute()

    def done(self, raw: bytes, url_id: int) -> None:
        """The item is committed: forget it and its URL."""
        with self.redis.pipeline() as batch:
            batch.lrem(self.processing, 1, raw)
            batch.hdel(self.pending, str(url_id))
            batch.execute()

    def discard(self, raw: bytes) -> None:
        self.redis.lrem(self.processing, 1, raw)

    def outstanding(self) -> int:
        return self.redis.hlen(self.pending)

    def requeue_lost(self, grace: float) -> int:
        """Queue again the URLs whose worker died (claim without heartbeat), and, once the
        queue has run dry, pending URLs nobody claimed for ``grace`` seconds. Only the claims
        (URLs in flight) are read while the queue is full: cheap on a run of 100,000 URLs."""
        claims = self.redis.hgetall(self.claims)
        alive: dict[bytes, bool] = {}
        lost = []
        for url_id, worker in claims.items():
            if worker not in alive:
                alive[worker] = bool(self.redis.exists(f"{self.prefix}:worker:{worker.decode()}"))
            if not alive[worker]:
                logger.warning("worker %s died; fetching URL %s again", worker.decode(),
                               url_id.decode())
                lost.append(url_id)
        if self.redis.llen(self.requests) == 0 and self.redis.llen(self.items) == 0:
            now = time.time()
            lost += [url_id for url_id, _ in self.redis.hscan_iter(self.pending)
                     if url_id not in claims and now - self._queued_at(url_id) >= grace]
        requeued = 0
        for url_id in lost:
            message = self.redis.hget(self.pending, url_id)
            self.redis.hdel(self.claims, url_id)
            if message is None:
                continue  # archived meanwhile
            self.redis.rpush(self.requests, message)
            self.redis.set(f"{self.prefix}:queued:{url_id.decode()}", time.time(), ex=86400)
            requeued += 1
        return requeued

    def _queued_at(self, url_id: bytes) -> float:
        value = self.redis.get(f"{self.prefix}:queued:{url_id.decode()}")
        try:
            value = float(value) if value is not None else None
        except ValueError:
            value = None
        if value is None:
            self.redis.set(f"{self.prefix}:queued:{url_id.decode()}", time.time(), ex=86400)
            return time.time()
        return float(value)
