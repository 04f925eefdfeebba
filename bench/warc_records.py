"""Whether two WARC (or WACZ) exports hold the same records, whatever their compression.

    python bench/warc_records.py A.warc.gz B.warc.gz    (or .wacz: its data.warc.gz)

Reads both with warcio and compares, record by record, the type, every WARC header and the
block as stored (HTTP headers and payload), byte for byte. Record IDs are random per export,
so each ``urn:uuid`` is replaced by its order of first appearance (the references between
records, ``WARC-Concurrent-To`` and ``WARC-Refers-To``, must then agree too); only the
warcinfo record's own date and file name (the time and name of the export) are left out. Exit 0 when identical.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from itertools import zip_longest
import zipfile
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

_UUID = re.compile(r"<urn:uuid:[0-9a-f-]+>")


def _stream(path: Path) -> io.BufferedIOBase:
    if path.suffix == ".wacz":
        with zipfile.ZipFile(path) as wacz:
            return io.BytesIO(wacz.read("archive/data.warc.gz"))
    return path.open("rb")


def records(path: Path) -> Iterator[tuple[str, list[tuple[str, str]], str]]:
    """Each record's type, headers (IDs numbered in order) and its block's sha256."""
    ids: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"<id:{len(ids)}>")

    with _stream(path) as stream:
        for record in ArchiveIterator(stream, no_record_parse=True):
            headers = [(name, _UUID.sub(number, value))
                       for name, value in record.rec_headers.headers
                       if not (record.rec_type == "warcinfo"
                               and name in ("WARC-Date", "WARC-Filename"))]
            block = hashlib.sha256(record.raw_stream.read()).hexdigest()
            yield record.rec_type, headers, block


def main() -> int:
    first, second = Path(sys.argv[1]), Path(sys.argv[2])
    count = 0
    missing = object()
    for count, (one, other) in enumerate(
            zip_longest(records(first), records(second), fillvalue=missing), 1):
        if one is missing or other is missing:
            print(f"not the same number of records (one file ends at record {count})")
            return 1
        if one != other:
            print(f"record {count} differs:\n  {one}\n  {other}")
            return 1
    print(f"{count} records identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
