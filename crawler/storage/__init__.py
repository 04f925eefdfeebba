"""The archive on disk: the only layer that speaks SQL.

One SQLite file in WAL mode holds documents, the URLs they cite, snapshots, bodies, checks and
runs (crawler.storage.schema lists the tables and how an older file is upgraded). Callers get
an :class:`Archive`, a façade over one connection with a repository per group of tables
(``archive.documents``, ``.urls``, ``.snapshots``, ``.checks``, ``.runs``) and the archive-wide
reads (``archive.reads``); every answer is a typed record from crawler.core.models. A write is
a function run by ``archive.write(...)`` inside one ``BEGIN IMMEDIATE`` transaction, retried
while another process holds the write lock: what goes in together (a snapshot, its body, its
check, the URL's next due time) commits together or not at all.

What goes in is decided above (crawler.jobs.record, with crawler.core's rules); this layer
only stores and reads.
"""

from crawler.storage.archive import Archive
from crawler.storage.database import writing
from crawler.storage.lock import RunLock

__all__ = ["Archive", "RunLock", "writing"]
