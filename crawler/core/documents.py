"""Documents as text: rejecting what is not text, decoding what is.

Users' folders hold whatever accumulated over years: UTF-8 next to Latin-1 and cp1252 exports,
files that mix both, stray PDFs and images. A document we cannot read is refused with a reason
naming it; a legacy encoding is decoded, never dropped. A document is identified by the sha256
of its bytes, so an unchanged file read again is recognised as the same document. (Finding and
opening the files is crawler.jobs.document_files; this module only sees their bytes.)
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import PurePath

from charset_normalizer import from_bytes
from w3lib.encoding import resolve_encoding

from crawler.core.formats import FORMATS, UNREADABLE, convert
from crawler.core.hashing import sha256
from crawler.core.models import Document
from crawler.errors import DocumentError

KINDS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
         ".html": "html", ".htm": "html", ".xhtml": "html"}

_MAGIC = {b"%PDF-": "PDF", b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image",
          b"GIF8": "GIF image", b"PK\x03\x04": "ZIP archive", b"\x1f\x8b": "gzip archive",
          b"\x7fELF": "executable", b"SQLite format 3\x00": "SQLite database"}
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16")]
# Single-byte Western encodings that detectors confuse with each other on short texts; for
# these cp1252 (a superset of Latin-1's printable range) is the right reading.
_WESTERN = {"cp1250", "cp1252", "latin_1", "iso8859_15", "iso8859_2", "mac_roman", "cp850",
            "cp437", "mac_latin2", "iso8859_9", "cp1254", "ascii"}
_TYPOGRAPHIC = set("\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2026\u2022\u20ac"
                   "\u00a0\u00a3\u00a7\u00a9\u00ab\u00ae\u00b0\u00b7\u00bb\u00bd")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_or_latin1(error: UnicodeDecodeError) -> tuple[str, int]:
    chunk = error.object[error.start : error.end]
    return chunk.decode("cp1252", errors="ignore") or chunk.decode("latin-1"), error.end


codecs.register_error("sourcekeeper-cp1252", _cp1252_or_latin1)


def kind_of(path: str) -> str | None:
    """The kind of text document a file name says it is, or None for other files."""
    return KINDS.get(PurePath(path).suffix.lower())


def is_document(name: str) -> bool:
    """Whether a file found in a folder is a document to read (or to refuse with a
    reason): text, Markdown, HTML, the formats crawler.core.formats reads or knows."""
    suffix = PurePath(name).suffix.lower()
    return suffix in KINDS or suffix in FORMATS or suffix in UNREADABLE


def decode(data: bytes, kind: str = "text") -> tuple[str, str]:
    """Decode a document's bytes; return ``(text, encoding)``.

    UTF-8 first; a file that is mostly UTF-8 with some cp1252 bytes keeps both; a legacy file
    is decoded with its declared (HTML) or detected charset. Raises ``ValueError`` with the
    reason when the bytes are not text.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise ValueError(f"binary file ({what})")
    if b"\x00" in data[:65536]:
        raise ValueError("binary file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if kind == "html" and (declared := _META_CHARSET.search(data[:4096])):
        # As browsers read the label (gb2312 as GB18030, latin-1 as cp1252), named as written
        # when that is the same codec.
        name = declared[1].decode("ascii")
        if (resolved := resolve_encoding(name)) and not _same_codec(name, resolved):
            name = resolved  # windows-874, x-sjis: labels browsers know and Python does not
        try:
            return data.decode(name), name.lower()
        except (LookupError, UnicodeDecodeError):
            pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="sourcekeeper-cp1252"), "utf-8+cp1252"
    if _reads_as_western(data):
        return data.decode("cp1252", errors="sourcekeeper-cp1252"), "cp1252"
    guess = from_bytes(data[:65536]).best()
    if guess is not None and guess.encoding not in _WESTERN:
        return data.decode(guess.encoding, errors="replace"), guess.encoding
    return data.decode("cp1252", errors="sourcekeeper-cp1252"), "cp1252"


def _same_codec(label: str, other: str) -> bool:
    try:
        return codecs.lookup(label).name == codecs.lookup(other).name
    except LookupError:
        return False


_HIGH_BYTES = bytes(range(128, 256))


def _mostly_utf8(data: bytes) -> bool:
    """Whether UTF-8 sequences make most of the non-ASCII bytes (two thirds or more): a
    UTF-8 file with cp1252 bytes pasted in, not a legacy charset whose byte pairs now and
    then look like UTF-8 (a third of GBK's or Shift_JIS's non-ASCII bytes do, none of
    cp1251's; a single such pair sent them down this path once)."""
    sample = data[:65536]
    non_ascii = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    in_utf8 = sum(len(found) for found in _UTF8_MULTIBYTE.findall(sample))
    return in_utf8 > 0 and 3 * in_utf8 >= 2 * non_ascii


def _reads_as_western(data: bytes) -> bool:
    """Whether cp1252 gives plausible Western text: few non-ASCII letters, all of them Latin
    letters or typographic punctuation. Detectors misread short texts like "Café" as cp1125
    or cp932; Cyrillic or Greek legacy text fails this test (mostly non-ASCII letters)."""
    sample = data[:65536].decode("cp1252", errors="replace")
    letters = sum(1 for char in sample if char.isalpha())
    foreign = [char for char in sample if ord(char) > 127]
    if not letters or len(foreign) > 0.5 * letters:
        return False
    return all(char in _TYPOGRAPHIC or "LATIN" in unicodedata.name(char, "") for char in foreign)


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\n\r\f\v")
    return controls > max(8, len(sample) // 100)


# Markdown on the standard input (no file name to say so): a link or image to a URL, a fenced
# code block or an ATX heading. Read as text, its code spans were cited and its links seen
# twice.
_MARKDOWN = re.compile(r"\]\((?:https?:)?//|^```|^#{1,6} \S", re.MULTILINE)


def _sniffed_kind(text: str) -> str:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        return "html"
    return "markdown" if _MARKDOWN.search(text, 0, 100_000) else "text"


def parse_documents(path: str, data: bytes, max_bytes: int) -> list[Document]:
    """The documents in a file's bytes (at most ``max_bytes + 1`` of them read): one, or one
    per message of a mailbox. Raises :class:`DocumentError` naming the file and why it was
    not read: empty, too large, binary, not decodable, a format we do not read."""
    if len(data) > max_bytes:
        raise DocumentError(path, f"larger than the {max_bytes:,}-byte document limit")
    if not data.strip():
        raise DocumentError(path, "empty file")
    suffix = PurePath(path).suffix.lower()
    if suffix in UNREADABLE:
        raise DocumentError(path, f"{UNREADABLE[suffix]}, which sourcekeeper does not read "
                                  "(save it as PDF, DOCX or text)")
    form = FORMATS.get(suffix) or ("pdf" if data.startswith(b"%PDF-") else None)
    if form is not None:
        converted = convert(path, form, data, max_bytes)
        single = len(converted) == 1
        found = [Document(sha256(data) if single else sha256(item.content.encode()),
                          path if single else f"{path} ({item.name})", item.kind,
                          form, len(data), item.text,
                          item.content if item.content != item.text else None)
                 for item in converted if item.text.strip()]
        if not found:
            raise DocumentError(path, "no text in it")
        return found
    kind = kind_of(path) or "text"
    try:
        text, encoding = decode(data, kind)
    except ValueError as exc:
        raise DocumentError(path, str(exc)) from None
    if _looks_binary(text):
        raise DocumentError(path, "binary file")
    if not text.strip():
        raise DocumentError(path, "empty file")
    if path == "-":
        kind = _sniffed_kind(text)
    if kind == "html":
        from crawler.core.discovery.markup import render

        return [Document(sha256(data), str(path), kind, encoding, len(data),
                         render(text).text, text)]
    return [Document(sha256(data), str(path), kind, encoding, len(data), text)]


def parse_document(path: str, data: bytes, max_bytes: int) -> Document:
    """The document in a file of one document (see :func:`parse_documents`)."""
    return parse_documents(path, data, max_bytes)[0]
