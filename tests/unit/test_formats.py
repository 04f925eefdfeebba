"""Documents people keep: PDF, Word, OpenDocument, RTF, mail. Each built here, in the test,
as its application writes it (zipped XML, PDF objects, RFC 5322 messages)."""

from __future__ import annotations

import io
import random
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


def zipped(files: dict[str, str], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
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


# Damaged and hostile files: each is refused with one line naming it, whatever the parser
# raised (zlib.error, RuntimeError, OverflowError, AttributeError, ...), or read.

def refusal(name: str, data: bytes, limit: int = LIMIT) -> str:
    with pytest.raises(DocumentError) as error:
        parse_documents(name, data, limit)
    assert "\n" not in str(error.value)
    return str(error.value)


def docx(paragraph: str) -> bytes:
    return zipped({"word/document.xml": f"<w:document {W}><w:body><w:p><w:r><w:t>{paragraph}"
                                        f"</w:t></w:r></w:p></w:body></w:document>"},
                  zipfile.ZIP_DEFLATED)


def test_docx_with_a_corrupt_deflate_stream():
    data = bytearray(docx("The council met on Monday. " * 50))
    start = 30 + len("word/document.xml")  # the first member's data, after its local header
    data[start + 2 : start + 12] = bytes(byte ^ 0xFF for byte in data[start + 2 : start + 12])
    assert refusal("notes.docx", bytes(data)).startswith(
        "notes.docx: not a readable DOCX document (Error -3 while decompressing data")


def test_docx_with_an_encrypted_member():
    data = bytearray(docx("Secret"))
    data[6] |= 1  # "encrypted" in the local header's flags ...
    data[data.rfind(b"PK\x01\x02") + 8] |= 1  # ... and in the central directory's
    assert refusal("secret.docx", bytes(data)) == (
        "secret.docx: not a readable DOCX document (File 'word/document.xml' is encrypted, "
        "password required for extraction)")


def test_docx_without_its_document_part():
    assert refusal("parts.docx", zipped({"word/styles.xml": "<x/>"})) == (
        "parts.docx: not a readable DOCX document (There is no item named "
        "'word/document.xml' in the archive)")


def test_rtf_with_an_overflowing_unicode_escape():
    assert refusal("note.rtf", rb"{\rtf1\ansi Source: \u99999999999 x\par}").startswith(
        "note.rtf: not a readable RTF document (")


def test_mail_in_an_unknown_charset_is_read_as_utf8():
    [document] = read("odd.eml", b"From: ana@example.org\nSubject: Odd\nContent-Type: "
                                 b"text/plain; charset=x-unknown-9\n\nCaf\xc3\xa9: "
                                 b"https://example.org/cafe\n")
    assert "Caf\u00e9: https://example.org/cafe" in document.text
    assert [url for url, *_ in urls(document)] == ["https://example.org/cafe"]


def test_mutated_pdfs_are_read_or_refused():
    original = pdf("Original url: https://example.org/story", ["https://example.org/linked"])
    for seed in range(300):
        rng = random.Random(seed)
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            if (operation := rng.random()) < 0.5:
                data[at] = rng.randrange(256)
            elif operation < 0.8:
                del data[at : at + rng.randint(1, 20)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 10))
        try:
            read("mutated.pdf", bytes(data))
        except DocumentError as error:
            assert str(error).startswith("mutated.pdf: "), seed
            assert "\n" not in str(error), seed


def test_truncated_pdf():
    assert refusal("cut.pdf", pdf("Some text", [])[:40]).startswith(
        "cut.pdf: not a readable PDF document (")


def test_zip_bomb_is_refused_once_decompressed_beyond_the_limit():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("word/document.xml", "w") as member:
        member.write(f"<w:document {W}><w:body>".encode())
        spaces = b" " * (1024 * 1024)
        for _ in range(200):  # 200 MB of spaces, compressed
            member.write(spaces)
        member.write(b"</w:body></w:document>")
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    assert refusal("bomb.docx", data, limit=1024 * 1024) == (
        "bomb.docx: larger than 4,194,304 bytes once decompressed")


RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/hyperlink" Target="{}" TargetMode="External"/></Relationships>')


def test_docx_links_in_footnotes_and_endnotes():
    document_xml = f"""<w:document {W}><w:body>
      <w:p><w:r><w:t>Turnout fell</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>
        <w:r><w:t xml:space="preserve"> (see </w:t></w:r><w:hyperlink r:id="rId1"><w:r>
        <w:t>the results</w:t></w:r></w:hyperlink><w:r><w:t>).</w:t></w:r></w:p>
    </w:body></w:document>"""
    footnotes = f"""<w:footnotes {W}>
      <w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
      <w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>
        </w:r></w:p></w:footnote>
      <w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Source: </w:t></w:r>
        <w:hyperlink r:id="rId1"><w:r><w:t>the census</w:t></w:r></w:hyperlink></w:p>
      </w:footnote>
    </w:footnotes>"""
    endnotes = f"""<w:endnotes {W}><w:endnote w:id="1"><w:p><w:r>
      <w:t>Also https://example.org/method</w:t></w:r></w:p></w:endnote></w:endnotes>"""
    [document] = read("report.docx", zipped({
        "word/document.xml": document_xml, "word/footnotes.xml": footnotes,
        "word/endnotes.xml": endnotes,
        "word/_rels/document.xml.rels": RELS.format("https://example.org/results"),
        "word/_rels/footnotes.xml.rels": RELS.format("https://example.org/census")}))
    assert [" ".join(line.split()) for line in document.text.split("\n\n")] == [
        "Turnout fell (see the results).", "Source: the census",
        "Also https://example.org/method"]
    assert [(url, anchor) for url, _, anchor in urls(document)] == [
        ("https://example.org/results", "the results"),
        ("https://example.org/census", "the census"), ("https://example.org/method", None)]


def test_odt_footnote_is_read_once():
    content = """<office:document-content
        xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
        xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
        xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:text>
      <text:p>Turnout fell<text:note text:id="ftn1" text:note-class="footnote">
        <text:note-citation>1</text:note-citation><text:note-body><text:p>Source:
        <text:a xlink:href="https://example.org/census">the census</text:a></text:p>
        </text:note-body></text:note> sharply.</text:p>
    </office:text></office:body></office:document-content>"""
    [document] = read("report.odt", zipped({"content.xml": content}))
    assert [" ".join(line.split()) for line in document.text.split("\n\n")] == [
        "Turnout fell sharply.", "Source: the census"]
    assert [url for url, *_ in urls(document)] == ["https://example.org/census"]


def test_pdf_of_link_annotations_only():
    [document] = read("links.pdf", pdf("", ["https://example.org/one",
                                            "https://example.org/two"]))
    assert document.text == "https://example.org/one\nhttps://example.org/two"
    assert urls(document) == [("https://example.org/one", "cited", None),
                              ("https://example.org/two", "cited", None)]


def test_mbox_without_a_from_line_is_one_message():
    message = (b"From: Bo <bo@example.org>\nSubject: Saved\n\nOriginal url: "
               b"https://example.org/saved\n")
    [document] = read("saved.mbox", message)
    assert document.path == "saved.mbox"
    assert document.text.startswith("Subject: Saved\nFrom: Bo <bo@example.org>")
    assert urls(document) == [("https://example.org/saved", "original", None)]


def test_multipart_mail_without_a_boundary_is_read_as_text():
    [document] = read("broken.eml", b"From: ana@example.org\nSubject: Broken\nMIME-Version: "
                                    b"1.0\nContent-Type: multipart/mixed\n\n--XX\nContent-"
                                    b"Type: text/plain\n\nSee https://example.org/story for "
                                    b"more.\n--XX--\n")
    assert "See https://example.org/story for more." in document.text
    assert [url for url, *_ in urls(document)] == ["https://example.org/story"]


@pytest.mark.parametrize("name, original", [
    ("notes.docx", docx("See https://example.org/a " * 20)),
    ("notes.odt", zipped({"content.xml": '<o:c xmlns:o="urn:x" xmlns:t="urn:oasis:names:tc:'
                          'opendocument:xmlns:text:1.0"><t:p>See https://example.org/a</t:p>'
                          "</o:c>"}, zipfile.ZIP_DEFLATED)),
    ("note.rtf", (rb"{\rtf1\ansi See {\field{\*\fldinst{HYPERLINK "
                  rb'"https://example.org/a"}}{\fldrslt{this}}}\u8212? \par}')),
    ("mail.eml", MAIL), ("mail.mbox", b"From a@b Tue Jul  1 10:00:00 2025\n" + MAIL),
])
def test_mutated_documents_are_read_or_refused(name, original):
    for seed in range(100):
        rng = random.Random(seed)
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            data[at : at + rng.randint(0, 3)] = rng.randbytes(rng.randint(0, 3))
        try:
            read(name, bytes(data))
        except DocumentError as error:
            assert "\n" not in str(error), seed


def test_an_indented_word_paragraph_keeps_its_links():
    """Markdown would read a paragraph indented by four spaces as code, and drop its links."""
    body = (f'<w:document {W}><w:body><w:p><w:r><w:t xml:space="preserve">      Source: '
            'https://example.org/indented</w:t></w:r></w:p></w:body></w:document>')
    [document] = parse_documents("indented.docx", zipped({"word/document.xml": body}), 10**6)
    assert [m.url for m in discover(document.source, document.kind)] == [
        "https://example.org/indented"]
