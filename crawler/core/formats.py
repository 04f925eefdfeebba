"""Documents that are not plain text: PDF, Word (DOCX), OpenDocument (ODT), RTF and mail.

People keep their sources in whatever the document came as. Each reader here turns one into
what discovery reads (``content``: the text with its links, a link as Markdown
``[text](url)`` where the format says which text it is on) and what a reader sees (``text``:
stored, searched, matched against the sources). DOCX and ODT are zipped XML, read with lxml;
PDF needs pypdf, RTF striprtf; mail is the standard library's. A format we know but cannot
read (Word 97, Pages, EPUB, spreadsheets) is refused with a reason that says what to do.

Folders also hold damaged, truncated and hostile files, and one of them must cost a warning
naming it, never the rest of the folder: whatever a parser raises on a file becomes a
:class:`~crawler.errors.DocumentError` (:func:`_parsing`), and a zipped document is inflated
only up to a multiple of the document limit, so a zip bomb is refused, not held in memory.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from lxml import etree

from crawler.errors import DocumentError

# Suffix -> format, for files found in folders.
FORMATS = {".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".rtf": "rtf", ".eml": "email",
           ".mbox": "mbox"}
UNREADABLE = {
    ".doc": "a Word 97-2003 document", ".xls": "an Excel 97-2003 workbook",
    ".ppt": "a PowerPoint 97-2003 presentation", ".pages": "an Apple Pages document",
    ".key": "an Apple Keynote presentation", ".numbers": "an Apple Numbers spreadsheet",
    ".epub": "an EPUB book", ".xlsx": "a spreadsheet", ".ods": "a spreadsheet",
    ".pptx": "a presentation", ".odp": "a presentation", ".wpd": "a WordPerfect document",
}
# A DOCX or ODT may decompress to this many times the document limit (its XML, read in
# chunks of _CHUNK bytes); beyond that it is refused.
INFLATION = 4
_CHUNK = 1024 * 1024
_DOCX_PARTS = ("document", "footnotes", "endnotes")  # the body, then its notes
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_XLINK = "{http://www.w3.org/1999/xlink}"
_FIELD_LINK = re.compile(r'HYPERLINK\s+"([^"]+)"')
_RTF_LINK = re.compile(r'\("(https?://[^"]+)"\)')


@dataclass(frozen=True)
class Converted:
    """One document read from a file (a mailbox holds several): a name for it within the
    file (``""`` for the file itself), the kind of ``content`` for discovery (``text``,
    ``markdown`` or ``html``), the content, and the text a reader sees."""

    name: str
    kind: str
    content: str
    text: str


class _Unreadable(Exception):
    """A file a parser could not read; ``str()`` is the one-line reason it gave."""


class _TooLarge(Exception):
    """A zipped document larger than its limit once decompressed; ``str()`` says so."""


@contextmanager
def _parsing() -> Iterator[None]:
    """Around calls into parsers that are not ours (zipfile and zlib, lxml, pypdf, striprtf,
    the email package). On hostile input they raise anything: zlib.error for a corrupt
    deflate stream, RuntimeError for an encrypted zip member, OverflowError from striprtf,
    LookupError for an unknown charset, AttributeError or LimitReachedError from pypdf. Any
    exception there means the file cannot be read, and becomes :class:`_Unreadable` with
    its message as the reason. Our own code stays outside these blocks: its bugs still show."""
    try:
        yield
    except (ImportError, _TooLarge):
        raise
    except Exception as exc:  # third-party parsers raise anything on hostile input
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        raise _Unreadable(" ".join(message.split())[:200] or type(exc).__name__) from None


def _unzip(data: bytes, names: list[str], limit: int) -> dict[str, bytes]:
    """Those of the members ``names`` a zipped document holds, decompressed in chunks, at
    most ``limit`` bytes in all: a zip bomb (a megabyte that inflates to gigabytes) is
    refused there rather than inflated in memory."""
    found: dict[str, bytes] = {}
    left = limit
    with _parsing(), zipfile.ZipFile(io.BytesIO(data)) as archive:
        present = set(archive.namelist())
        for name in [name for name in names if name in present]:
            chunks: list[bytes] = []
            with archive.open(name) as member:
                while chunk := member.read(_CHUNK):
                    left -= len(chunk)
                    if left < 0:
                        raise _TooLarge(f"larger than {limit:,} bytes once decompressed")
                    chunks.append(chunk)
            found[name] = b"".join(chunks)
    return found


def _xml(data: bytes) -> etree._Element:
    with _parsing():
        return etree.fromstring(data)


def _link(text: str, url: str | None) -> str:
    text = " ".join(text.split())
    if not url:
        return text
    # In angle brackets, the destination may hold spaces and parentheses (CommonMark); a
    # link without text is still a link, its URL taken as it is, not rescanned as prose.
    target = url.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>")
    label = text.replace("[", "").replace("]", "") or url.replace("[", "").replace("]", "")
    return f"[{label}](<{target}>)"


def _docx(data: bytes, limit: int) -> Converted:
    """The body of a Word document, then its footnotes and endnotes (where reports keep
    their citations), each part with its own hyperlink relationships."""
    files = _unzip(data, [*(f"word/{part}.xml" for part in _DOCX_PARTS),
                          *(f"word/_rels/{part}.xml.rels" for part in _DOCX_PARTS)], limit)
    if "word/document.xml" not in files:
        raise _Unreadable("There is no item named 'word/document.xml' in the archive")
    marked: list[str] = []
    plain: list[str] = []
    for part in _DOCX_PARTS:
        if f"word/{part}.xml" not in files:
            continue
        rels = files.get(f"word/_rels/{part}.xml.rels")
        targets = {rel.get("Id"): rel.get("Target") for rel in _xml(rels)} if rels else {}
        _docx_paragraphs(_xml(files[f"word/{part}.xml"]), targets, marked, plain)
    return Converted("", "markdown", "\n\n".join(marked), "\n\n".join(plain))


def _docx_paragraphs(body: etree._Element, targets: dict[str | None, str | None],
                     marked: list[str], plain: list[str]) -> None:
    """Append each paragraph of a DOCX part, with its links and without; a footnote or
    endnote that only separates the notes from the text (``w:type``) is skipped."""
    for note in body.findall(f"{_W}footnote") + body.findall(f"{_W}endnote"):
        if note.get(f"{_W}type") not in (None, "normal"):
            body.remove(note)
    for paragraph in body.iter(f"{_W}p"):
        line_marked, line_plain = [], []
        field_url = None
        for element in paragraph.iter(f"{_W}hyperlink", f"{_W}r", f"{_W}instrText"):
            if element.tag == f"{_W}hyperlink":
                text = "".join(element.itertext())
                url = targets.get(element.get(f"{_R}id")) or None
                line_marked.append(_link(text, url))
                line_plain.append(text)
            elif element.tag == f"{_W}instrText":
                if match := _FIELD_LINK.search(element.text or ""):
                    field_url = match[1]
            elif element.getparent().tag != f"{_W}hyperlink":
                ends = element.find(f"{_W}fldChar")
                if ends is not None and ends.get(f"{_W}fldCharType") == "end":
                    field_url = None
                text = "".join(node.text or "" for node in element.iter(f"{_W}t"))
                line_plain.append(text)
                line_marked.append(_link(text, field_url) if field_url and text else text)
        marked.append("".join(line_marked).strip())  # indented: not Markdown code
        plain.append("".join(line_plain))


def _odt(data: bytes, limit: int) -> Converted:
    files = _unzip(data, ["content.xml"], limit)
    if "content.xml" not in files:
        raise _Unreadable("There is no item named 'content.xml' in the archive")
    body = _xml(files["content.xml"])
    marked, plain = [], []

    def walk(element: etree._Element, into: tuple[list[str], list[str]]) -> None:
        line_marked, line_plain = into
        if element.text:
            line_marked.append(element.text)
            line_plain.append(element.text)
        for child in element:
            if child.tag == f"{_TEXT}a":
                text = "".join(child.itertext())
                line_marked.append(_link(text, child.get(f"{_XLINK}href")))
                line_plain.append(text)
            elif child.tag in (f"{_TEXT}s", f"{_TEXT}tab", f"{_TEXT}line-break"):
                line_marked.append(" ")
                line_plain.append(" ")
            elif next(child.iter(f"{_TEXT}p", f"{_TEXT}h"), None) is None:
                walk(child, into)  # not a note or text box: their paragraphs come on their own
            if child.tail:
                line_marked.append(child.tail)
                line_plain.append(child.tail)

    for paragraph in body.iter(f"{_TEXT}p", f"{_TEXT}h"):
        lines: tuple[list[str], list[str]] = ([], [])
        walk(paragraph, lines)
        marked.append("".join(lines[0]).strip())  # indented: not Markdown code
        plain.append("".join(lines[1]))
    return Converted("", "markdown", "\n\n".join(marked), "\n\n".join(plain))


def _pdf(data: bytes) -> Converted:
    """A PDF's text layer, and the URLs of its link annotations that the text does not
    show. A PDF of links only (no text layer) is still a document citing them: its text is
    its links."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repairs are not ours to report
    with _parsing():
        reader = PdfReader(io.BytesIO(data))
        pages, links = [], []
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            for annotation in page.get("/Annots") or []:
                target = annotation.get_object().get("/A")
                uri = target.get_object().get("/URI") if target is not None else None
                if uri:
                    links.append(str(uri))
    text = "\n\n".join(pages)
    links = list(dict.fromkeys(links))
    absent = [link for link in links if link not in text]
    content = text + ("\n\nLinks in the PDF:\n" + "\n".join(absent) + "\n" if absent else "")
    return Converted("", "text", content, text if text.strip() else "\n".join(links))


def _rtf(data: bytes) -> Converted:
    from striprtf.striprtf import rtf_to_text

    with _parsing():
        content = rtf_to_text(data.decode("latin-1"))
    return Converted("", "text", content, _RTF_LINK.sub("", content))


def _payload_text(part: EmailMessage) -> str:
    """A part's decoded bytes as text, in its charset, or UTF-8 if Python knows no such
    charset (``x-unknown-9``, ``unknown-8bit``): a mislabelled mail is still read."""
    data = part.get_payload(decode=True) or b""
    try:
        return data.decode(part.get_content_charset() or "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _bodies(message: EmailMessage) -> tuple[str, str | None, str | None]:
    """A message's header lines, plain-text body and HTML body (None for one it lacks). A
    multipart message without a boundary cannot be split into parts: its payload is read
    as its plain text."""
    header = "\n".join(f"{key}: {message[key]}" for key in ("Subject", "From", "Date")
                       if message[key])
    plain_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    plain = _payload_text(plain_part) if plain_part is not None else None
    html = _payload_text(html_part) if html_part is not None else None
    if plain is None and html is None and message.get_content_maintype() == "multipart" \
            and not message.is_multipart():
        plain = _payload_text(message)
    return header, plain, html


def _mail(data: bytes, name: str) -> Converted:
    with _parsing():
        message = email.message_from_bytes(data, policy=email.policy.default)
        header, plain, html = _bodies(message)  # type: ignore[arg-type]
    if html is not None:
        from crawler.core.discovery.markup import render

        shown = plain if plain is not None else render(html).text
        return Converted(name, "html", html, f"{header}\n\n{shown}")
    body = plain or ""
    return Converted(name, "text", f"{header}\n\n{body}", f"{header}\n\n{body}")


def _email(data: bytes) -> Converted:
    return _mail(data, "")


def _mbox(data: bytes) -> list[Converted]:
    """Each message of an mbox file (messages start at a ``From `` line). A file that does
    not start with one is a single message (RFC 822) saved as a mailbox: read as one."""
    if not data.lstrip().startswith(b"From "):
        return [_mail(data, "")]
    starts = [match.start() for match in re.finditer(rb"(?:^|\n)From ", data)]
    messages = []
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(data)]), start=1):
        chunk = data[start:end].lstrip(b"\n")
        chunk = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
        messages.append(_mail(chunk, f"message {number}"))
    return messages


def convert(path: str, kind: str, data: bytes, max_bytes: int) -> list[Converted]:
    """Read a document of format ``kind`` (:data:`FORMATS`) whose limit is ``max_bytes``
    (a zipped one may hold :data:`INFLATION` times that once decompressed). Raises
    :class:`~crawler.errors.DocumentError` naming the file and why it could not be read."""
    readers = {"pdf": _pdf, "rtf": _rtf, "email": _email}
    try:
        if kind == "mbox":
            return _mbox(data)
        if kind in ("docx", "odt"):
            return [(_docx if kind == "docx" else _odt)(data, INFLATION * max_bytes)]
        return [readers[kind](data)]
    except ImportError as exc:
        raise DocumentError(path, f"reading {kind.upper()} needs {exc.name}: "
                                  f"pip install {exc.name}") from None
    except _TooLarge as exc:
        raise DocumentError(path, str(exc)) from None
    except _Unreadable as exc:
        raise DocumentError(path, f"not a readable {kind.upper()} document ({exc})") from None
