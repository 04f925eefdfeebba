"""The pages a scale archive is made of (bench/scale.py): a real crawl of the news-pages
corpus, made once, whose rows every generated row copies, and the texts varied from them.

A URL's text is regenerated from its number whenever it is needed rather than kept: a
million texts do not fit in memory, and the same number always gives the same text, so that
a later version of a page differs from the one before by exactly one paragraph.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from bisect import bisect
from itertools import accumulate
from pathlib import Path

from crawler.core.edits import Version, compare

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "news-pages"


def template(path: Path) -> Path:
    """A real crawl of the corpus, the rows every generated row is copied from (made once)."""
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus_server import load
    from crawl import FAST, free_port, sourcekeeper

    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "corpus_server.py"),
                               str(CORPUS), str(port)], stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    try:
        notes = path.with_suffix(".md")
        notes.write_text("".join(f"See http://127.0.0.1:{port}{page} for details.\n"
                                 for page, _, _ in load(CORPUS)))
        _, _, code = sourcekeeper("crawl", str(notes), "--db", str(path), *FAST,
                                  stderr=subprocess.DEVNULL)
        assert code == 0, "the template crawl failed"
    finally:
        server.terminate()
    return path


class Pages:
    """The template's pages, and texts varied from them."""

    def __init__(self, db: Path, rng: random.Random):
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        self.rows = [dict(row) for row in conn.execute(
            "SELECT * FROM snapshots WHERE text IS NOT NULL ORDER BY id")]
        self.bodies = conn.execute("SELECT sha256, size, codec, data FROM bodies").fetchall()
        self.paths = [row["requested_url"].split("/", 3)[3] for row in self.rows]
        conn.close()
        self.rng = rng
        self.paragraphs: dict[str, list[str]] = {}
        for row in self.rows:
            language = (row["language"] or "")[:2]
            row["lang"] = language
            row["paras"] = row["text"].split("\n")
            row["page_paras"] = row["page_text"].split("\n")
            self.paragraphs.setdefault(language, []).extend(
                p for p in row["paras"] if len(p) > 80)
        syllables = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai")]
        self.names = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))).title()
                             for _ in range(220_000)})[:200_000]
        rng.shuffle(self.names)
        self.name_weights = list(accumulate(1 / (n + 10) for n in range(len(self.names))))
        self.reasons = self._reasons()

    def _reasons(self) -> list[tuple[str, int, int]]:
        """What compare() says of real edits: reasons, changed and sentence counts."""
        found = []
        for row in self.rows[:40]:
            paras = list(row["paras"])
            paras[len(paras) // 2] = self.rng.choice(self.paragraphs[row["lang"]])
            edit = compare(Version(row["title"], row["text"], row["author"], row["date"]),
                           Version(row["title"], "\n".join(paras), row["author"], row["date"]))
            found.append((json.dumps(list(edit.reasons)), edit.changed, edit.sentences))
        return found

    def name(self) -> str:
        return self.names[bisect(self.name_weights, self.rng.random() * self.name_weights[-1])]

    def vary(self, paras: list[str], language: str, share: float) -> list[str]:
        pool = self.paragraphs.get(language) or self.paragraphs["en"]
        rng = self.rng
        out = [rng.choice(pool) if len(p) > 80 and rng.random() < share else p for p in paras]
        for _ in range(3):
            at = rng.randrange(len(out))
            out[at] = f"{out[at]} {self.name()}"
        return out


class Texts:
    """The article and page text of version ``n`` of a URL, the same every time asked
    (regenerated from the URL's number rather than kept: a million of them do not fit)."""

    def __init__(self, pages: Pages):
        self.pages = pages

    def article(self, u: int, page: int, n: int) -> list[str]:
        row = self.pages.rows[page]
        rng = self.pages.rng = random.Random(u * 131 + 1)
        paras = self.pages.vary(row["paras"], row["lang"], 0.25)
        pool = self.pages.paragraphs.get(row["lang"]) or self.pages.paragraphs["en"]
        for version in range(1, n):
            rng.seed(u * 131 + 1 + version)
            paras[rng.randrange(len(paras))] = rng.choice(pool)
        return paras

    def page(self, u: int, page: int, n: int) -> list[str]:
        row = self.pages.rows[page]
        self.pages.rng = random.Random(u * 131 + 100 + n)
        return self.pages.vary(row["page_paras"], row["lang"], 0.25)
