"""Documents people keep: PDF, Word, OpenDocument, RTF, mail. Each built here, in the test,
as its application writes it (zipped XML, PDF objects, RFC 5322 messages)."""

from __future__ import annotations

import io
import zipfile

import pytest

from crawler.core.discovery import discover
from crawler.core.documents import parse_documents
from crawler.errors import DocumentError

LIMIT = 50 * 1024 * 1024


def read(name: str, data: bytes):
    return parse_documents(name, data, LIMIT)


def urls(document) -> list[tuple[str, str, str | None]]:
    return [(m.url, m.role, m.anchor) for m in discover(document.source, document.kind)]


def pdf(text: str, links: list[str]) -> bytes:
    """A one-page PDF showing ``text`` with a link annotation per URL of ``links``."""
    stream = f"BT /F1 11 Tf 72 720 Td ({text}) Tj ET".encode()
    annotations = " ".join(f"{7 + n} 0 R" for n in range(len(links)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        f"/Resources << /Font << /F1 5 0 R >> >> /Annots [{annotations}] >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< >>",
        *[f"<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] /A << /S /URI "
          f"/URI ({link}) >> >>".encode() for link in links],
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def test_pdf_text_and_link_annotations():
    [document] = read("report.pdf", pdf("Original url: https://example.org/story",
                                         ["https://example.org/story",
                                          "https://example.org/linked-only"]))
    assert "Original url: https://example.org/story" in document.text
    assert "linked-only" not in document.text, "the reader sees no annotation"
    assert urls(document) == [("https://example.org/story", "original", None),
                              ("https://example.org/linked-only", "cited", None)]
    assert document.encoding == "pdf"


def zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def test_docx_hyperlinks_and_field_links():
    document_xml = f"""<w:document {W}><w:body>
      <w:p><w:r><w:t>The council met on Monday.</w:t></w:r></w:p>
      <w:p><w:r><w:t xml:space="preserve">Source: </w:t></w:r>
        <w:hyperlink r:id="rId7"><w:r><w:t>the minutes</w:t></w:r></w:hyperlink></w:p>
      <w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>
        <w:r><w:instrText> HYPERLINK "https://example.org/budget" </w:instrText></w:r>
        <w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>the budget</w:t></w:r>
        <w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t> was late.</w:t></w:r></w:p>
    </w:body></w:document>"""
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/hyperlink" Target="https://example.org/minutes"'
            ' TargetMode="External"/></Relationships>')
    [document] = read("notes.docx", zipped({"word/document.xml": document_xml,
                                           "word/_rels/document.xml.rels": rels}))
    assert document.text.split("\n\n") == ["The council met on Monday.", "Source: the minutes",
                                           "the budget was late."]
    assert urls(document) == [("https://example.org/minutes", "original", "the minutes"),
                              ("https://example.org/budget", "cited", "the budget")]


def test_odt_links():
    content = """<office:document-content
        xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
        xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
        xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:text>
      <text:h>Notes</text:h>
      <text:p>Read <text:a xlink:href="https://example.org/essay">the essay</text:a><text:s/>again.</text:p>
      <text:p>Related article: https://example.org/other</text:p>
    </office:text></office:body></office:document-content>"""
    [document] = read("notes.odt", zipped({"content.xml": content}))
    assert document.text.split("\n\n") == ["Notes", "Read the essay again.",
                                           "Related article: https://example.org/other"]
    assert urls(document) == [("https://example.org/essay", "cited", "the essay"),
                              ("https://example.org/other", "related", None)]


def test_rtf_text_and_hyperlink_fields():
    rtf = (r"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard Original url: "
           r'{\field{\*\fldinst{HYPERLINK "https://example.org/story"}}{\fldrslt{the story}}}'
           r"\par}")
    [document] = read("note.rtf", rtf.encode())
    assert document.text.strip() == "Original url: the story"
    assert [url for url, *_ in urls(document)] == ["https://example.org/story"]


MAIL = (b"From: Ana <ana@example.org>\r\nSubject: The story\r\nDate: Tue, 1 Jul 2025 "
        b"10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
        b"boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"See the story.\r\n--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>See <a href=\"https://example.org/story\">the story</a>.</p>\r\n--XX--\r\n")


def test_eml_plain_text_and_html_links():
    [document] = read("forwarded.eml", MAIL)
    assert document.text.startswith("Subject: The story\nFrom: Ana <ana@example.org>")
    assert "See the story." in document.text
    assert urls(document) == [("https://example.org/story", "cited", "the story")]


def test_mbox_is_one_document_per_message():
    plain = (b"From: Bo <bo@example.org>\nSubject: Another\n\nOriginal url: "
             b"https://example.org/other\n")
    mbox = (b"From ana@example.org Tue Jul  1 10:00:00 2025\n" + MAIL.replace(b"\r\n", b"\n")
            + b"\nFrom bo@example.org Tue Jul  1 11:00:00 2025\n" + plain)
    first, second = read("mail.mbox", mbox)
    assert (first.path, second.path) == ("mail.mbox (message 1)", "mail.mbox (message 2)")
    assert first.id != second.id
    assert urls(second) == [("https://example.org/other", "original", None)]


@pytest.mark.parametrize("name, data, reason", [
    ("old.doc", b"\xd0\xcf\x11\xe0" + bytes(100), "a Word 97-2003 document, which sourcekeeper"
                                                   " does not read (save it as PDF, DOCX or text)"),
    ("broken.docx", b"PK\x03\x04 not really", "not a readable DOCX document"),
    ("empty.odt", zipped({"content.xml": "<x/>"}), "no text in it"),
])
def test_unreadable_documents_say_why(name, data, reason):
    with pytest.raises(DocumentError) as error:
        read(name, data)
    assert str(error.value).startswith(f"{name}: {reason}")


def test_html_documents_are_stored_as_a_reader_sees_them():
    [document] = read("page.html", b"<!doctype html><html><head><title>T</title><script>x=1"
                                   b"</script></head><body><h1>Title</h1><p>Some <b>bold</b> "
                                   b"text, <a href='https://example.org/a'>a link</a>.</p>")
    assert document.text == "Title\n\nSome bold text, a link.\n"
    assert document.content.startswith("<!doctype html>")
