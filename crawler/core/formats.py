"""Documents that are not plain text: PDF, Word (DOCX), OpenDocument (ODT), RTF and mail.

People keep their sources in whatever the document came as. Each reader here turns one into
what discovery reads (``content``: the text with its links, a link as Markdown
``[text](url)`` where the format says which text it is on) and what a reader sees (``text``:
stored, searched, matched against the sources). DOCX and ODT are zipped XML, read with lxml;
PDF needs pypdf, RTF striprtf; mail is the standard library's. A format we know but cannot
read (Word 97, Pages, EPUB, spreadsheets) is refused with a reason that says what to do.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
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


def _link(text: str, url: str | None) -> str:
    text = " ".join(text.split())
    if not url:
        return text
    return f"[{text.replace('[', '').replace(']', '')}]({url})" if text else f" {url} "


def _docx(data: bytes) -> Converted:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
        try:
            rels = etree.fromstring(archive.read("word/_rels/document.xml.rels"))
            targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        except KeyError:
            targets = {}
    marked, plain = [], []
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
        marked.append("".join(line_marked))
        plain.append("".join(line_plain))
    return Converted("", "markdown", "\n\n".join(marked), "\n\n".join(plain))


def _odt(data: bytes) -> Converted:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = etree.fromstring(archive.read("content.xml"))
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
            else:
                walk(child, into)
            if child.tail:
                line_marked.append(child.tail)
                line_plain.append(child.tail)

    for paragraph in body.iter(f"{_TEXT}p", f"{_TEXT}h"):
        lines: tuple[list[str], list[str]] = ([], [])
        walk(paragraph, lines)
        marked.append("".join(lines[0]))
        plain.append("".join(lines[1]))
    return Converted("", "markdown", "\n\n".join(marked), "\n\n".join(plain))


def _pdf(data: bytes) -> Converted:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repairs are not ours to report
    try:
        reader = PdfReader(io.BytesIO(data))
        pages, links = [], []
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            for annotation in page.get("/Annots") or []:
                target = annotation.get_object().get("/A")
                uri = target.get_object().get("/URI") if target is not None else None
                if uri:
                    links.append(str(uri))
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"unreadable PDF ({exc})") from None
    text = "\n\n".join(pages)
    absent = [link for link in dict.fromkeys(links) if link not in text]
    content = text + ("\n\nLinks in the PDF:\n" + "\n".join(absent) + "\n" if absent else "")
    return Converted("", "text", content, text)


def _rtf(data: bytes) -> Converted:
    from striprtf.striprtf import rtf_to_text

    content = rtf_to_text(data.decode("latin-1"))
    return Converted("", "text", content, _RTF_LINK.sub("", content))


def _mail(message: EmailMessage, name: str) -> Converted:
    header = "\n".join(f"{key}: {message[key]}" for key in ("Subject", "From", "Date")
                       if message[key])
    plain_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    plain = plain_part.get_content() if plain_part is not None else None
    if html_part is not None:
        from crawler.core.discovery.markup import render

        html = html_part.get_content()
        shown = plain if plain is not None else render(html).text
        return Converted(name, "html", html, f"{header}\n\n{shown}")
    body = plain or ""
    return Converted(name, "text", f"{header}\n\n{body}", f"{header}\n\n{body}")


def _email(data: bytes) -> Converted:
    message = email.message_from_bytes(data, policy=email.policy.default)
    return _mail(message, "")  # type: ignore[arg-type]


def _mbox(data: bytes) -> list[Converted]:
    """Each message of an mbox file (messages start at a ``From `` line)."""
    starts = [match.start() for match in re.finditer(rb"(?:^|\n)From ", data)]
    messages = []
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(data)]), start=1):
        chunk = data[start:end].lstrip(b"\n")
        chunk = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
        message = email.message_from_bytes(chunk, policy=email.policy.default)
        messages.append(_mail(message, f"message {number}"))  # type: ignore[arg-type]
    return messages


def convert(path: str, kind: str, data: bytes) -> list[Converted]:
    """Read a document of format ``kind`` (:data:`FORMATS`). Raises
    :class:`~crawler.errors.DocumentError` naming the file and why it could not be read."""
    readers = {"docx": _docx, "odt": _odt, "pdf": _pdf, "rtf": _rtf, "email": _email}
    try:
        if kind == "mbox":
            return _mbox(data)
        return [readers[kind](data)]
    except ImportError as exc:
        raise DocumentError(path, f"reading {kind.upper()} needs {exc.name}: "
                                  f"pip install {exc.name}") from None
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        raise DocumentError(path, f"not a readable {kind.upper()} document ({exc})") from None
