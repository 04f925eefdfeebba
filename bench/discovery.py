"""URL discovery against the best URL finders: linkify-it-py and urlextract.

    python bench/discovery.py [--pages 295] [--links 40] [--only-hostile]

Cases nobody wrote by hand (tests/oracle.py): every absolute link of the 295 real pages of
``../shared/corpora/news-pages``, pasted as ``anchor (url)`` prose and as Markdown, unwrapped
and hard-wrapped at 60/72/76/80 columns with and without breaks after hyphens; plus the
public fixtures of linkify-it and URLExtract (tests/fixtures). For each finder: precision and
recall over URLs, and the share of cases where it found exactly the truth. Only what we look
for is counted: http(s) and ``www.`` URLs, compared in canonical form.

Then the hostile shapes (inputs a reviewer found quadratic), each timed as one discovery
call; and the largest of them as a whole process: ``sourcekeeper urls`` (the dry run of
discovery) on it, against the same command on a one-URL document (start-up alone).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.core.discovery import Options, discover  # noqa: E402
from crawler.core.url import canonical  # noqa: E402
from crawler.errors import InvalidURL  # noqa: E402
from tests import oracle  # noqa: E402

IN_SCOPE = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)


def _keys(urls: list[str]) -> set[str]:
    keys = set()
    for url in urls:
        if not IN_SCOPE.match(url):
            continue
        try:
            keys.add(canonical(url))
        except InvalidURL:
            continue
    return keys


def ours(text: str, form: str) -> set[str]:
    return {mention.canonical for mention in discover(text, form)}


def linkify() -> Callable[[str, str], set[str]]:
    from linkify_it import LinkifyIt

    finder = LinkifyIt()
    return lambda text, form: _keys([match.url for match in finder.match(text) or []])


def urlextract() -> Callable[[str, str], set[str]]:
    from urlextract import URLExtract

    finder = URLExtract()
    return lambda text, form: _keys(finder.find_urls(text, only_unique=True))


class Score:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, found: set[str], truth: set[str]) -> None:
        self.counts["tp"] += len(found & truth)
        self.counts["fp"] += len(found - truth)
        self.counts["fn"] += len(truth - found)
        self.counts["cases"] += 1
        self.counts["exact"] += found == truth

    def row(self) -> str:
        tp, fp, fn = self.counts["tp"], self.counts["fp"], self.counts["fn"]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        exact = self.counts["exact"] / self.counts["cases"] if self.counts["cases"] else 0
        return f"{precision:.4f} | {recall:.4f} | {exact:.4f} ({self.counts['cases']})"


def fixture_cases() -> dict[str, list[tuple[str, set[str]]]]:
    """The public fixtures, in scope: linkify-it's links and URLExtract's cases."""
    sys.path.insert(0, str(ROOT / "tests" / "unit"))
    from test_scanner import LINKS, NOT_LINKS, URLEXTRACT

    linkify_cases = [(line, _keys([expected])) for _, line, expected in LINKS]
    linkify_cases += [(line, set()) for _, line, _ in NOT_LINKS]
    extract_cases = [(case["text"], _keys(case["expected"])) for case in URLEXTRACT]
    return {"linkify-it fixtures": linkify_cases, "URLExtract fixtures": extract_cases}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=295)
    parser.add_argument("--links", type=int, default=40)
    parser.add_argument("--only-hostile", action="store_true",
                        help="only the hostile shapes and the whole-process timing")
    options = parser.parse_args()
    if not options.only_hostile:
        compare(options)
    hostile()
    whole_process()


def compare(options: argparse.Namespace) -> None:
    finders = {"sourcekeeper": ours, "linkify-it-py": linkify(), "urlextract": urlextract()}
    scores: dict[tuple[str, str], Score] = {}
    seconds: Counter[str] = Counter()
    for case in oracle.cases(options.pages, options.links):
        group = f"{case.form}, {'wrapped' if case.width else 'unwrapped'}"
        for name, find in finders.items():
            start = time.perf_counter()
            found = find(case.text, case.form)
            seconds[name] += time.perf_counter() - start
            scores.setdefault((group, name), Score()).add(found, set(case.truth))
    for group, cases in fixture_cases().items():
        for text, truth in cases:
            for name, find in finders.items():
                scores.setdefault((group, name), Score()).add(find(text, "text"), truth)
    print(f"{'cases':<26} {'finder':<14} precision | recall | exact cases")
    for (group, name), score in scores.items():
        print(f"{group:<26} {name:<14} {score.row()}")
    print("seconds on the generated cases: " + json.dumps(
        {name: round(value, 1) for name, value in seconds.items()}))


def _one_line() -> str:
    """8 MB of URLs in one line, as tests/e2e/test_crash.py writes it (issue 17: 300,000
    URLs of one local site, each new)."""
    return " ".join(f"http://127.0.0.1:8765/a/{n}" for n in range(300_000))


ONE_LINE = "8 MB of URLs on one line (300,000 URLs)"

# Hostile shapes a reviewer found quadratic (each took 5-60 s before they were linear).
HOSTILE = {
    "16,000 URLs, one per line": lambda: "\n".join(
        f"https://example.com/page/{n}" for n in range(16000)),
    "8,000 URLs on one line": lambda: " ".join(f"https://example.com/p{n}" for n in range(8000)),
    "10,000 Markdown links": lambda: "\n".join(
        f"[t{n}](https://example.com/p{n})" for n in range(10000)),
    "8,000 schemes cut by a line break": lambda: "\n".join(
        f"see h\nttps://example.com/p{n}" for n in range(8000)),
    "8,000 unclosed '(' in one word": lambda: "https://a/(" * 8000,
    "a URL wrapped over 2,000 lines": lambda: "https://example.com/" + "\n".join(
        "abcdefghij" for _ in range(2000)),
    "2,000 'source' + 190 spaces + URL": lambda: "\n".join(
        "source" + " " * 190 + f"https://e.com/{n}" for n in range(2000)),
    "1,000 related titles x 1,000 URLs": lambda: "\n".join(
        f"Related article: Title number {n} about things" for n in range(1000)) + "\n" +
        "\n".join(f"https://e.com/title-number-{n}-x" for n in range(1000)),
    ONE_LINE: _one_line,
}


def hostile() -> None:
    print(f"\n{'hostile input':<40} seconds")
    for name, make in HOSTILE.items():
        text = make()
        start = time.perf_counter()
        discover(text, "text", Options())
        print(f"{name:<40} {time.perf_counter() - start:.2f}")


def whole_process() -> None:
    """``sourcekeeper urls`` from start to exit on the 8 MB line and on one URL: what a
    person waits for, reading, discovering and printing 300,000 rows included."""
    print(f"\n{'sourcekeeper urls --format csv (whole process)':<48} seconds")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        for name, text in (("one URL", "see http://127.0.0.1:8765/a/0\n"),
                           (ONE_LINE, _one_line())):
            path = Path(folder) / "document.txt"
            path.write_text(text)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "crawler", "urls", str(path), "--format",
                            "csv"], stdout=subprocess.DEVNULL, check=True, env=env)
            print(f"{name:<48} {time.perf_counter() - start:.2f}")


if __name__ == "__main__":
    main()
