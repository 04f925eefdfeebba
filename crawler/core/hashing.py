"""The hashes that identify what we archive.

A body is stored once per sha256 of its bytes; a document is identified by the sha256 of its
file's bytes; a snapshot's text is compared by the sha256 of its *whitespace-normalised* form,
so that reflowed markup is not mistaken for a change of what a source says.
"""

from __future__ import annotations

import hashlib


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    """The hash a snapshot's text is compared on: whitespace-normalised."""
    return sha256(" ".join(text.split()).encode("utf-8"))
