"""What an extraction worker process does with a page: the CPU-heavy part, off the event loop.

Extraction (trafilatura) and compressing the body for the archive both cost milliseconds of
CPU per page; done here, in a worker process, they leave the crawling process free to
download. Only crawler.core is imported here (no Scrapy, no SQLite, no click), so a worker
starts light and stays small.

A worker must not outlive its crawl: a crawl killed with SIGKILL cannot stop its pool, and
orphaned workers (about 90 MB each) would pile up under cron. Each worker watches the crawl
process that started it (:func:`watch_crawl`, called as the worker starts) and exits when it is
gone; on Linux the kernel also signals it when its parent (the forkserver) dies.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

from crawler.core.codec import compress
from crawler.core.extraction import extract
from crawler.core.hashing import sha256
from crawler.core.models import Blob, Extraction


def extract_and_pack(body: bytes, encoding: str | None, url: str,
                     content_language: str | None, pack: bool = True
                     ) -> tuple[Extraction | None, Blob | None]:
    """The page's extraction (or None) and, with ``pack``, its body compressed for the
    archive (not for a body the archive already holds: a tenth of a page's CPU saved)."""
    extraction = extract(body, encoding, url, content_language)
    if not pack:
        return extraction, None
    codec, data = compress(body)
    return extraction, Blob(sha256(body), len(body), codec, data)


_PR_SET_PDEATHSIG = 1
_WATCH_EVERY = 0.5  # seconds between two looks at the crawl


def watch_crawl(crawl_pid: int) -> None:
    """Exit this worker when the crawl ``crawl_pid`` is gone (run as it starts)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch, args=(crawl_pid,), name="watch-crawl", daemon=True).start()


def _watch(crawl_pid: int) -> None:
    while alive(crawl_pid):
        time.sleep(_WATCH_EVERY)
    os._exit(0)  # nothing to flush: the crawl that wanted our results is gone


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # the number now belongs to another user's process
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True  # no /proc: the signal test above is all there is
