"""Documents as text: decoding their bytes, refusing what is not text."""

from __future__ import annotations

import pytest

from crawler.core.documents import decode, parse_document
from crawler.errors import DocumentError

LIMIT = 50 * 1024 * 1024


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


def test_a_meta_charset_is_read_as_browsers_read_it():
    # A page labelled latin-1 is cp1252 (its dashes and quotes are not control characters).
    text, encoding = decode('<meta charset="iso-8859-1"><p>„Bernd“ – das Brot</p>'
                            .encode("cp1252"), "html")
    assert "„Bernd“ – das Brot" in text and encoding == "cp1252"


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"  \n\t\n", "empty file"),
    (b"%PDF-1.7\n...", "not a readable PDF document"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    (b"text\x00with\x00nuls", "binary file"),
])
def test_unreadable_documents_are_refused_with_a_reason(data, reason):
    path = "notes/doc.txt"
    with pytest.raises(DocumentError) as error:
        parse_document(path, data, LIMIT)
    assert str(error.value).startswith(f"{path}: {reason}")
    assert (error.value.path, error.value.reason.split(" (")[0]) == (path, reason)


def test_mixed_utf8_and_cp1252_keeps_both():
    data = "naïve – ".encode("utf-8") + "café".encode("cp1252") + b" https://example.org/a"
    text, encoding = decode(data)
    assert text == "naïve – café https://example.org/a" and encoding == "utf-8+cp1252"


def test_invalid_utf8_is_decoded_not_dropped():
    data = b"Bad bytes \xff\xfe\xfd in an otherwise ASCII note https://example.org/x\n"
    text, _ = decode(data)
    assert "https://example.org/x" in text and text.startswith("Bad bytes ")


@pytest.mark.parametrize("text, charset", [
    ("北京时间今天上午，国家统计局发布了最新的经济数据，显示工业生产稳步增长。", "gbk"),
    ("東京都は本日、新しい交通計画を発表しました。市民の皆様のご協力をお願いします。", "shift_jis"),
    ("Київ оголосив про нові заходи підтримки для малого бізнесу та громадян.", "cp1251"),
])
def test_legacy_text_that_declares_nothing_is_not_taken_for_utf8(text, charset):
    # A few of its byte pairs look like UTF-8: that alone does not make it UTF-8.
    assert decode(text.encode(charset), "html")[0] == text


def test_a_meta_charset_python_does_not_know_by_that_name():
    data = '<meta charset="windows-874"><p>'.encode() + "สวัสดีครับ".encode("cp874")
    text, encoding = decode(data, "html")
    assert "สวัสดีครับ" in text and encoding == "cp874"


def test_utf8_with_much_cp1252_pasted_in_keeps_both():
    data = ("Déjà vu, café crème. " * 20).encode() + ("Résumé à l'été. " * 10).encode("cp1252")
    text, encoding = decode(data, "html")
    assert text == "Déjà vu, café crème. " * 20 + "Résumé à l'été. " * 10
    assert encoding == "utf-8+cp1252"
