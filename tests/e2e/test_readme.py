"""The README's Python API example, run as written (in its own process: a crawl owns the
process's reactor), against the local fixture site."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers import FIXTURES, PUTIN, RELATED, ROOT, render

README = (ROOT / "README.md").read_text()
CALL = 'crawler.crawl(["notes/"], db="archive.db")'


def test_the_python_api_example_runs(server, tmp_path):
    code = re.search(r"## Python API.*?```python\n(.*?)\n```", README, re.DOTALL)[1]
    assert CALL in code
    # The one change: our fixture site is on 127.0.0.1, which a crawl refuses by default.
    local = code.replace(CALL, CALL[:-1] + ', settings={"FETCH_ALLOW_PRIVATE": True})')
    render(FIXTURES / "docs", tmp_path / "all", server.base)
    (tmp_path / "notes").mkdir()
    (tmp_path / "all" / "moscow-times.txt").rename(tmp_path / "notes" / "moscow-times.txt")
    result = subprocess.run([sys.executable, "-c", local], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("1 documents read, 2 URLs found (2 due), 2 archived (2 new, 0 changed), "
                        "0 unchanged, 0 failed")
    assert f"original ok {server.url(PUTIN)}" in lines
    assert f"related ok {server.url(RELATED)}" in lines
    assert f"snapshot {server.url(RELATED)}" in lines
