"""Finding document files in folders and reading them (real files in tmp_path)."""

from __future__ import annotations

import hashlib

import pytest

from crawler.errors import DocumentError
from crawler.jobs.document_files import find_documents, read_document

LIMIT = 50 * 1024 * 1024


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
    document = read_document(path, LIMIT)
    assert document.id == hashlib.sha256(b"hello https://example.org\n").hexdigest()
    assert document.kind == "text" and document.text == "hello https://example.org\n"
    assert document.path == str(path)


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"%PDF-1.7\n...", "not a readable PDF document"),
])
def test_unreadable_files_are_refused_naming_them(tmp_path, data, reason):
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    with pytest.raises(DocumentError) as error:
        read_document(path, LIMIT)
    assert str(error.value).startswith(f"{path}: {reason}")


def test_too_large_document(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000)
    with pytest.raises(DocumentError, match="larger than the 1,000-byte document limit"):
        read_document(path, max_bytes=1000)
