"""Reading documents: finding them, decoding them, refusing what is not text."""

from __future__ import annotations

import hashlib

import pytest

from crawler.document import DocumentError, decode, find_documents, read_document


def test_find_documents_recurses_and_skips_hidden_and_other_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for name in ["a/one.txt", "a/b/two.md", "three.html", "four.htm", "image.png", ".git/x.txt",
                 "a/.hidden.txt", "notes.markdown"]:
        (tmp_path / name).write_text("x")
    found = sorted(p.relative_to(tmp_path).as_posix() for p in find_documents([tmp_path]))
    assert found == ["a/b/two.md", "a/one.txt", "four.htm", "notes.markdown", "three.html"]


def test_an_explicit_file_is_read_whatever_its_suffix(tmp_path):
    (tmp_path / "notes.log").write_text("x")
    assert list(find_documents([tmp_path / "notes.log"])) == [tmp_path / "notes.log"]


def test_missing_path_is_an_error_naming_it(tmp_path):
    with pytest.raises(DocumentError, match="missing.txt: no such file or folder"):
        list(find_documents([tmp_path / "missing.txt"]))


def test_document_id_is_the_sha256_of_its_bytes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello https://example.org\n")
    document = read_document(path)
    assert document.id == hashlib.sha256(b"hello https://example.org\n").hexdigest()
    assert document.kind == "text" and document.text == "hello https://example.org\n"


@pytest.mark.parametrize("data, text, encoding", [
    ("Café – naïve".encode("utf-8"), "Café – naïve", "utf-8"),
    ("\ufeffWith BOM".encode("utf-8"), "With BOM", "utf-8-sig"),
    ("Caf\u00e9 \u2013 na\u00efve".encode("cp1252"), "Café – naïve", "cp1252"),
    ("Grüße aus Köln".encode("latin-1"), "Grüße aus Köln", "cp1252"),
    ("Привет, как дела? Это тест.".encode("cp1251"), "Привет, как дела? Это тест.", "cp1251"),
    ("Hello".encode("utf-16"), "Hello", "utf-16"),
])
def test_decode(data, text, encoding):
    assert decode(data) == (text, encoding)


def test_html_meta_charset_is_honoured():
    data = '<meta charset="iso-8859-2"><p>Łódź</p>'.encode("iso-8859-2")
    text, encoding = decode(data, "html")
    assert "Łódź" in text and encoding == "iso-8859-2"


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"  \n\t\n", "empty file"),
    (b"%PDF-1.7\n...", "binary file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    (b"text\x00with\x00nuls", "binary file"),
])
def test_unreadable_documents_are_refused_with_a_reason(tmp_path, data, reason):
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    with pytest.raises(DocumentError) as error:
        read_document(path)
    assert str(error.value).startswith(f"{path}: {reason}")


def test_too_large_document(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000)
    with pytest.raises(DocumentError, match="larger than the 1,000-byte document limit"):
        read_document(path, max_bytes=1000)


def test_mixed_utf8_and_cp1252_keeps_both():
    data = "naïve – ".encode("utf-8") + "café".encode("cp1252") + b" https://example.org/a"
    text, encoding = decode(data)
    assert text == "naïve – café https://example.org/a" and encoding == "utf-8+cp1252"


def test_invalid_utf8_is_decoded_not_dropped():
    data = b"Bad bytes \xff\xfe\xfd in an otherwise ASCII note https://example.org/x\n"
    text, _ = decode(data)
    assert "https://example.org/x" in text and text.startswith("Bad bytes ")
