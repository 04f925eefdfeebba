"""Does sourcekeeper tell a material edit from churn? Labelled edits of real pages.

    python bench/changes.py [--pages 295]

Each page of ``../shared/corpora/news-pages`` is extracted as a crawl extracts it, then edited
programmatically, once per kind of edit: six material ones (headline rewrite, number change,
quote removal, sentence deletion, correction note, a name swapped) and four kinds of churn
(a time stamp, a counter, a list of related links, a navigation menu), plus the page
unchanged. Prints, per kind, how often the change was judged material, and the precision and
recall of ``material``.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.core.edits import Version, churn, compare  # noqa: E402
from crawler.core.extraction import extract  # noqa: E402
from crawler.core.provenance import quotes  # noqa: E402
from crawler.core.tokens import sentences  # noqa: E402
from tests import oracle  # noqa: E402

MATERIAL = ("headline", "number", "quote", "deletion", "correction", "name")
CHURN = ("timestamp", "counter", "related links", "navigation", "none")
SECTIONS = ("Home", "World", "Politics", "Business", "Tech", "Science", "Health", "Sport",
            "Culture", "Opinion", "Video", "Podcasts", "Newsletters", "Live")


def _real(text: str) -> list[str]:
    return [s for s in sentences(text) if not churn(s) and len(s.split()) >= 6]


def edit(kind: str, page: Version, other_title: str, rng: random.Random) -> Version | None:
    """``page`` with one edit of ``kind`` (None when the page has nothing to edit so)."""
    text, title = page.text or "", page.title or ""
    real = _real(text)
    if kind == "headline":
        return Version(other_title, text.replace(title, other_title), page.author, page.date)
    if kind == "number":
        with_numbers = [s for s in real if re.search(r"\d", s)]
        if not with_numbers:
            return None
        sentence = rng.choice(with_numbers)
        number = rng.choice(re.findall(r"\d+", sentence))
        changed = sentence.replace(number, str(int(number) + 1 + rng.randrange(9)), 1)
        return Version(title, text.replace(sentence, changed, 1), page.author, page.date)
    if kind == "quote":
        found = [q for q in quotes(text) if len(q.split()) >= 4]
        if not found:
            return None
        quote = r"\s+".join(re.escape(word) for word in rng.choice(found).split())
        edited = re.sub(r"[\"“„«]\s*" + quote + r"\s*[\"”“»,.]*", "", text, count=1)
        return Version(title, edited, page.author, page.date) if edited != text else None
    if kind == "deletion":
        if len(real) < 3:
            return None
        return Version(title, text.replace(rng.choice(real), "", 1), page.author, page.date)
    if kind == "correction":
        return Version(title, text + "\nCorrection: An earlier version of this article "
                       "misstated the date of the meeting, which took place on Tuesday.",
                       page.author, page.date)
    if kind == "name":
        names = [(s, w) for s in real for w in re.findall(r"(?<=\s)[A-Z][a-z]{3,}", s)]
        if not names:
            return None
        sentence, name = rng.choice(names)
        return Version(title, text.replace(sentence, sentence.replace(name, "Benedetti", 1), 1),
                       page.author, page.date)
    if kind == "timestamp":
        return Version(title, f"Updated at {rng.randrange(24):02}:{rng.randrange(60):02}:"
                              f"{rng.randrange(60):02}\n{text}", page.author, page.date)
    if kind == "counter":
        return Version(title, f"{text}\n{rng.randrange(100, 9999):,} views\n"
                              f"{rng.randrange(2, 300)} comments", page.author, page.date)
    if kind == "related links":
        return Version(title, f"{text}\nRelated articles\n{other_title}\nMore from the region",
                       page.author, page.date)
    if kind == "navigation":  # a site's menu; its own draws leave the other kinds' as they were
        menu_rng = random.Random(title)
        menu = menu_rng.sample(SECTIONS, menu_rng.randrange(4, 9))
        return Version(title, "\n".join([*menu, text]), page.author, page.date)
    return page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=295)
    options = parser.parse_args()
    rng = random.Random(20261125)
    pages = []
    for entry in oracle.manifest()[:options.pages]:
        body = gzip.decompress((oracle.CORPUS / entry["file"]).read_bytes())
        extracted = extract(body, None, "https://example.org/")
        if extracted is not None and extracted.title:
            pages.append(Version(extracted.title, extracted.text, extracted.author,
                                 extracted.date))
    judged: Counter[tuple[str, bool]] = Counter()
    for index, page in enumerate(pages):
        other = pages[(index + 1) % len(pages)].title or "Another story entirely"
        for kind in MATERIAL + CHURN:
            edited = edit(kind, page, other, rng)
            if edited is not None:
                judged[kind, compare(page, edited).material] += 1
    print(f"{'edit':<16} {'material':>8} {'not':>5}")
    for kind in MATERIAL + CHURN:
        print(f"{kind:<16} {judged[kind, True]:>8} {judged[kind, False]:>5}")
    true_positive = sum(judged[kind, True] for kind in MATERIAL)
    false_negative = sum(judged[kind, False] for kind in MATERIAL)
    false_positive = sum(judged[kind, True] for kind in CHURN)
    print(f"pages: {len(pages)}")
    print(f"precision of material: {true_positive / (true_positive + false_positive):.4f}")
    print(f"recall of material:    {true_positive / (true_positive + false_negative):.4f}")


if __name__ == "__main__":
    main()
