"""What the writer of a distributed crawl believes of what comes through Redis.

Anyone who can write to the Redis a crawl uses could otherwise forge evidence: a snapshot
of any URL, backdated, with any body, recorded under any URL id; or make workers fetch what
they like. So:

- with a relay key (``RELAY_KEY``, or ``SOURCEKEEPER_RELAY_KEY`` in the environment, the
  same on the coordinator, the workers and the writer), every queue message and every item
  is sealed with an HMAC-SHA256 and one without a valid seal is refused. Without a key
  nothing is sealed, and the coordinator warns that the Redis network must be trusted;
- every item is checked before it is recorded (:func:`check_item`): it answers a URL the
  run asked for, under that URL's id; its time is sane; its body is within
  ``DOWNLOAD_MAXSIZE`` (bodies are decompressed with that cap);
- an item that fails is not lost and does not come back at every start: it is quarantined
  in the ``<prefix>:dead`` list with its error (the archive counts them: ``status``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.core.clock import parse_iso
from crawler.core.url import canonical
from crawler.errors import InvalidURL, RelayError

_SEAL = b"sk1:"
_FUTURE = timedelta(minutes=10)  # clocks of workers and writer may differ a little
_PAST = timedelta(days=7)        # a worker cannot backdate what it fetched


class Seal:
    """Seals payloads with an HMAC of the relay key; without a key, passes them as they are."""

    def __init__(self, key: str | None):
        self.key = key.encode("utf-8") if key else None

    def _mac(self, payload: bytes) -> bytes:
        assert self.key is not None
        return hmac.new(self.key, payload, hashlib.sha256).hexdigest().encode("ascii")

    def seal(self, payload: bytes) -> bytes:
        return payload if self.key is None else _SEAL + self._mac(payload) + b":" + payload

    def open(self, data: bytes) -> bytes:
        """The payload of sealed ``data``. Raises RelayError when a key is set and the seal is
        missing or wrong."""
        if self.key is None:
            return data[len(_SEAL) + 65:] if data.startswith(_SEAL) else data
        if not data.startswith(_SEAL) or data[len(_SEAL) + 64:len(_SEAL) + 65] != b":":
            raise RelayError("not sealed with the relay key (RELAY_KEY)")
        mac, payload = data[len(_SEAL):len(_SEAL) + 64], data[len(_SEAL) + 65:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise RelayError("sealed with another key than RELAY_KEY")
        return payload


def check_item(item: Any, asked: str | None, queued_at: str | None = None, *,
               max_bytes: int, now: datetime | None = None) -> None:
    """Refuse (RelayError) an item that does not answer what the run asked: ``asked`` is
    the URL queued under the item's id (None: no URL of the run has that id), at
    ``queued_at``: an item fetched before that is a replay of an older one (sealed items
    can be seen by whoever reads the Redis), not this run's answer."""
    if asked is None:
        raise RelayError(f"URL id {item.url_id!r} was not asked for by this run")
    try:
        if canonical(item.requested_url) != canonical(asked):
            raise RelayError(f"URL id {item.url_id} is {asked}, not {item.requested_url}")
    except (InvalidURL, TypeError) as exc:
        raise RelayError(f"not a URL: {item.requested_url!r} ({exc})") from None
    try:
        fetched = parse_iso(item.fetched_at)
    except (ValueError, TypeError):
        raise RelayError(f"fetched_at is not a time: {item.fetched_at!r}") from None
    now = now or datetime.now(UTC)
    if not now - _PAST <= fetched <= now + _FUTURE:
        raise RelayError(f"fetched_at {item.fetched_at} is not a time of this run")
    if queued_at is not None and fetched < parse_iso(queued_at) - _FUTURE:
        raise RelayError(f"fetched_at {item.fetched_at} is before the URL was queued "
                         f"({queued_at}): a replayed item")
    status = getattr(item, "status", None)
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise RelayError(f"status {status!r} is not an HTTP status")
    for name in ("body", "raw_body"):
        value = getattr(item, name, None)
        if value is not None and (not isinstance(value, bytes) or len(value) > max_bytes):
            raise RelayError(f"{name} is not bytes within DOWNLOAD_MAXSIZE ({max_bytes})")
