"""The README's first command on a fresh machine: ``pip install .`` without any extra must
give a ``sourcekeeper`` that crawls, and that says which extra a missing feature needs."""

from __future__ import annotations

import subprocess
import venv

import pytest

from tests.helpers import FIXTURES, ROOT, render


@pytest.fixture(scope="module")
def base_install(tmp_path_factory):
    folder = tmp_path_factory.mktemp("base") / "venv"
    venv.create(folder, with_pip=True)
    pip = subprocess.run([folder / "bin" / "pip", "install", "-q", str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-2000:]
    return folder / "bin"


def test_a_base_install_crawls(base_install, server, tmp_path):
    docs = render(FIXTURES / "docs", tmp_path / "docs", server.base)
    imported = subprocess.run([base_install / "python", "-c",
                               "import importlib.util as u; print(u.find_spec('redis'))"],
                              capture_output=True, text=True)
    assert imported.stdout.strip() == "None", "no extras installed"
    result = subprocess.run(
        [base_install / "sourcekeeper", "crawl", str(docs / "moscow-times.txt"), "--db",
         str(tmp_path / "a.db"), "--allow-private", "-s", "AUTOTHROTTLE_START_DELAY=0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("1 documents read, 2 URLs found (2 due), 2 archived "
                                     "(2 new, 0 changed), 0 unchanged, 0 failed")
    assert "Traceback" not in result.stderr
    # Under the console script, workers start from a main module of their own: Python's
    # "found in sys.modules ... prior to execution" RuntimeWarning was printed every crawl.
    assert "Warning" not in result.stderr, result.stderr


def test_a_base_install_says_which_extra_a_feature_needs(base_install, tmp_path):
    result = subprocess.run([base_install / "sourcekeeper", "worker", "--redis",
                             "redis://127.0.0.1:1/0"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("sourcekeeper: worker needs the 'redis' extra: "
                                     "pip install 'sourcekeeper[redis]'")


def test_a_base_install_says_serve_needs_the_web_extra(base_install, tmp_path):
    result = subprocess.run([base_install / "sourcekeeper", "serve", "--db",
                             str(tmp_path / "a.db")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("sourcekeeper: serve needs the 'web' extra: "
                                     "pip install 'sourcekeeper[web]'")


def test_the_web_pages_ship_in_the_package(base_install):
    """serve's templates are data files: a wheel without them would start and fail on the
    first page."""
    found = subprocess.run([base_install / "python", "-c",
                            "import crawler.web, pathlib; print(sorted(p.name for p in "
                            "(pathlib.Path(crawler.web.__file__).parent / 'templates')"
                            ".glob('*.html')))"], capture_output=True, text=True)
    assert "documents.html" in found.stdout and "snapshot.html" in found.stdout, found.stderr
