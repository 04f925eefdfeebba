"""The scale target of issue 16, "a million snapshots that stay fast": an archive of that
size, made without crawling the web, so that every reading command can be timed on it.

    python bench/scale.py --db /work/scale-data/small.db                  # 20 s, 0.5 GB
    python bench/scale.py --db /work/scale-data/scale.db \\
        --documents 100000 --urls 1000000 --checks 3000000                # 21 min, 23.8 GB

Then ``python bench/scale_queries.py --db ...`` times the commands on it.

Why generated and not crawled: a million pages take a crawl of days. Why it is still the file
sourcekeeper writes: the schema is made by opening the file through ``crawler.storage``
(its migrations, its FTS triggers), and the rows are copied from a real crawl of the 295
pages of ``../shared/corpora/news-pages`` (``bench/corpus_server.py``), made first, with
the same columns as ``crawler.jobs.record`` writes them. The rows are inserted here in bulk
with plain SQL, because the storage API's one transaction per check would take days.

What is varied so that full-text search meets a realistic vocabulary: each URL's text is
its base page with about a quarter of its longer paragraphs taken from other pages of the same
language, and a few names drawn (Zipf-like) from 200,000 made-up words; each new version of
a page replaces one more paragraph. Bodies are shared, as the archive shares them by
sha256: every snapshot points at the real, compressed body of its base page, so the file
is smaller per snapshot than a real one by about one compressed body (28.6 KB median); the
measuring script says so beside the bytes per snapshot.

Dates: documents are read over the two years before now, nightly runs check their URLs on
the schedule sourcekeeper uses (crawler.core.schedule), and every URL is checked and due
again later, except ``--due`` URLs on ``http://127.0.0.1:PORT`` (the corpus' pages, as
``bench/corpus_server.py`` serves them) that are overdue: a crawl of this archive fetches
nothing but those, never the internet.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from crawler.core.discovery import VERSION as DISCOVERY_VERSION
from crawler.core.hashing import text_sha256
from crawler.core.models import Outcome
from crawler.core.schedule import Schedule
from crawler.core.url import canonical
from crawler.storage import Archive

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_pages import Pages, Texts, template  # noqa: E402

SCHEDULE = Schedule(3600.0, 30 * 86400.0, 86400.0)  # the SCHEDULE_* defaults
DAY = 86400.0
YEARS = 2
BATCH = 20_000
FAILURES = [("HTTP 404 Not Found", 404), ("HTTP 410 Gone", 410), ("HTTP 403 Forbidden", 403),
            ("HTTP 503 Service Unavailable", 503), ("timed out after 30 s", None),
            ("DNS lookup failed: no such host", None), ("connection refused", None)]


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds"
                                                          ).replace("+00:00", "Z")


def http_date(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def documents_for(urls: int, documents: int, rng: random.Random) -> list[list[int]]:
    """Which URLs each document cites: its own new ones, plus a third more already cited
    by earlier documents (popular sources are cited again)."""
    cited = []
    for doc in range(documents):
        own = list(range(doc * urls // documents, (doc + 1) * urls // documents))
        first = doc * urls // documents
        again = {int(first * rng.random() ** 2) for _ in range(len(own) // 2)} if first else set()
        cited.append(own + sorted(again - set(own)))
    return cited


def generate(db: Path, documents: int, urls: int, checks: int, due: int, port: int,
             seed: int) -> None:
    started = time.perf_counter()
    rng = random.Random(seed)
    pages = Pages(template(db.parent / "template.db"), rng)
    with Archive(db):  # the schema, by our own migrations
        pass
    conn = sqlite3.connect(db, isolation_level=None)
    # Bulk loading without a journal (a 20 GB transaction through the WAL would copy every
    # page twice and slow each read); the file is switched back to WAL at the end.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO bodies VALUES (?, ?, ?, ?)", pages.bodies)

    now = time.time()
    first_day = now - YEARS * 365 * DAY
    cites = documents_for(urls, documents, rng)
    read_at = sorted(rng.uniform(first_day, now - 2 * DAY) for _ in range(documents))
    local_from = urls - due  # the last documents' URLs are the local, overdue ones

    progress = Progress(started)
    _write_documents(conn, pages, cites, read_at, local_from, port, rng, progress)
    _write_urls_and_checks(conn, pages, cites, read_at, urls, checks, local_from, port, now,
                           rng, progress)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    progress.say("done")


class Progress:
    def __init__(self, started: float):
        self.started = started

    def say(self, what: str) -> None:
        print(f"{time.perf_counter() - self.started:8.1f} s  {what}", flush=True)


def url_of(url_id: int, pages: Pages, local_from: int, port: int) -> tuple[str, int]:
    """A URL (and its base page): the corpus' own address, made distinct by a query."""
    page = (url_id * 7919) % len(pages.rows)
    if url_id >= local_from:
        return f"http://127.0.0.1:{port}/{pages.paths[page]}?v={url_id}", page
    host = json.loads(pages.rows[page]["metadata"] or "{}").get("hostname") or "example.org"
    return f"https://www.{host.removeprefix('www.')}/{2016 + url_id % 10}/{url_id:07d}/{pages.paths[page]}", page


def _write_documents(conn, pages, cites, read_at, local_from, port, rng, progress) -> None:
    doc_rows, file_rows, mention_rows = [], [], []
    for doc, urls in enumerate(cites):
        row = pages.rows[doc % len(pages.rows)]
        lines = [f"# Notes on {row['title']}", ""]
        mentions = []
        for n, url_id in enumerate(urls, 1):
            url, page = url_of(url_id, pages, local_from, port)
            anchor = pages.rows[page]["title"] or "source"
            lines.append(rng.choice(pages.paragraphs[row["lang"]])[:300])
            role = "original" if n == 1 and doc % 5 == 0 else "cited"
            mentions.append((url_id, url, role, anchor[:80], len(lines) + 1))
            lines.append(f"- [{anchor[:80]}]({url})")
            lines.append("")
        text = "\n".join(lines)
        doc_id = hashlib.sha256(text.encode()).hexdigest()
        folder = "local" if urls[0] >= local_from else f"{doc % 50:02d}"
        path = f"notes/{folder}/note-{doc:06d}.md"
        when = iso(read_at[doc])
        doc_rows.append((doc_id, path, "markdown", "utf-8", len(text.encode()), text, when,
                         None, DISCOVERY_VERSION))
        missing = doc % 97 == 0 and folder != "local"  # the due URLs stay due
        file_rows.append((path, path, doc_id, "missing" if missing else "live", when, when,
                          iso(read_at[doc] + DAY) if missing else None, None))
        for url_id, url, role, anchor, line in mentions:
            mention_rows.append((doc_id, url_id + 1, url, role, anchor, line, None))
        if len(mention_rows) >= BATCH:
            _flush(conn, doc_rows, file_rows, mention_rows)
        if (doc + 1) % 20_000 == 0:
            progress.say(f"documents {doc + 1:,}")
    _flush(conn, doc_rows, file_rows, mention_rows)
    progress.say(f"documents {len(cites):,}")


def _flush(conn, doc_rows, file_rows, mention_rows) -> None:
    conn.executemany("INSERT INTO documents (id, path, kind, encoding, size, text, read_at,"
                     " content, discovered_with) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_rows)
    conn.executemany("INSERT INTO files (path, file, document_id, state, first_seen,"
                     " updated_at, missing_since, moved_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     file_rows)
    conn.executemany("INSERT INTO mentions (document_id, url_id, written, role, anchor, line,"
                     " alternatives) VALUES (?, ?, ?, ?, ?, ?, ?)", mention_rows)
    for rows in (doc_rows, file_rows, mention_rows):
        rows.clear()


CHURN = json.dumps(["a counter changed", "a time stamp changed"])
NEW, CHANGED, HTML, CHURNED, SAME, FAILED = range(6)
KINDS = [Outcome.NEW, Outcome.CHANGED, Outcome.HTML_CHANGED, Outcome.CHURN, Outcome.UNCHANGED,
         Outcome.FAILED]


def _outcomes(archived: bool, rng: random.Random) -> int:
    draw = rng.random()
    if not archived:
        return NEW if draw < 0.85 else FAILED
    for kind, share in ((CHANGED, 0.05), (HTML, 0.02), (CHURNED, 0.02), (FAILED, 0.04)):
        if draw < share:
            return kind
        draw -= share
    return SAME


def _write_urls_and_checks(conn, pages, cites, read_at, urls, checks, local_from, port, now,
                           rng, progress) -> None:
    """URLs with their final schedule; then every check and snapshot in time order, as
    nightly runs made them."""
    owner = [0] * urls
    for doc in range(len(cites) - 1, -1, -1):
        for url_id in cites[doc]:
            owner[url_id] = doc
    ages = [now - read_at[owner[u]] for u in range(urls)]
    spare = max(0, checks - urls) / max(1.0, sum(ages))
    events: list[tuple[float, int, int]] = []
    url_rows = []
    for u in range(urls):
        url, page = url_of(u, pages, local_from, port)
        expected = ages[u] * spare
        count = 1 + int(expected) + (rng.random() < expected % 1)
        first = read_at[owner[u]] + rng.uniform(60, 3 * 3600)
        times, kinds, intervals = [first], [], []
        archived, interval, failures = False, None, 0
        for n in range(count):
            kind = _outcomes(archived, rng) if n or rng.random() > 0.08 else FAILED
            failures = failures + 1 if kind == FAILED else 0
            interval = SCHEDULE.interval(interval, KINDS[kind], failures)
            archived = archived or kind == NEW
            kinds.append(kind)
            intervals.append(interval)
            times.append(times[-1] + interval + rng.uniform(0, DAY / 2))
        last_allowed = now - 3600 - rng.uniform(0, DAY)
        if count > 1:  # the checks spread over the URL's life, up to the last night
            scale = (last_allowed - first) / max(1.0, times[-2] - first)
            times = [first + (t - first) * scale for t in times]
        for t, kind in zip(times, kinds):
            events.append((t, u, kind))
        last = times[-2]
        if u >= local_from:
            due_at = now - rng.uniform(3600, 5 * DAY)
        else:
            due_at = max(last + interval, now + rng.uniform(3600, max(7200, interval)))
        etag = None if not archived else f'"{hashlib.sha1(url.encode()).hexdigest()}"'
        url_rows.append((u + 1, canonical(url), url, iso(read_at[owner[u]]), iso(due_at),
                         interval, etag, None, iso(last), KINDS[kinds[-1]].value, failures))
        if len(url_rows) >= BATCH * 5:
            _insert_urls(conn, url_rows)
            progress.say(f"urls {u + 1:,} ({len(events):,} checks planned)")
    _insert_urls(conn, url_rows)
    progress.say(f"urls {urls:,}; sorting {len(events):,} checks by time")
    events.sort()
    _write_checks(conn, pages, events, now, local_from, port, progress)


def _insert_urls(conn, rows) -> None:
    conn.executemany("INSERT INTO urls (id, canonical, url, first_seen, next_check_at,"
                     " interval, etag, last_modified, last_checked_at, last_outcome, failures)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    rows.clear()


def _write_checks(conn, pages, events, now, local_from, port, progress) -> None:
    texts = Texts(pages)
    first_day = events[0][0] - 3600
    latest = [0] * (max(u for _, u, _ in events) + 1)
    article_n = bytearray(len(latest))
    page_n = bytearray(len(latest))
    runs: dict[int, list[int]] = {}
    snapshot_rows, check_rows = [], []
    snapshot_id = 0
    reasons = pages.reasons
    for count, (t, u, kind) in enumerate(events, 1):
        url, page = url_of(u, pages, local_from, port)
        row = pages.rows[page]
        run = int((t - first_day) // DAY) + 1
        runs.setdefault(run, [0] * 6)[kind] += 1
        when = iso(t)
        if kind in (NEW, CHANGED, HTML, CHURNED):
            snapshot_id += 1
            latest[u] = snapshot_id
            if kind in (NEW, CHANGED):
                article_n[u] = min(255, article_n[u] + 1)
            if kind != CHURNED:
                page_n[u] = min(255, page_n[u] + 1)
            article = "\n".join(texts.article(u, page, article_n[u]))
            visible = "\n".join(texts.page(u, page, page_n[u]))
            title = f"{row['title']} {pages.name()}"
            page_sha = text_sha256(f"{title}\n{visible}")
            keeps = kind != CHURNED
            why, changed, sentences = (None, None, None) if kind == NEW else (
                (CHURN, 0, 1) if kind == CHURNED else reasons[u % len(reasons)])
            if kind == HTML:
                why = json.dumps([f"outside the article: {r}" for r in json.loads(why)])
            headers = json.loads(row["headers"])
            for pair in headers:
                if pair[0] == "Date":
                    pair[1] = http_date(t)
                elif pair[0] == "Etag":
                    pair[1] = f'"{hashlib.sha1(url.encode()).hexdigest()}"'
            snapshot_rows.append((
                snapshot_id, u + 1, run, when, url, url, "[]", 200, json.dumps(headers),
                row["content_type"], "127.0.0.1" if u >= local_from else
                f"93.184.{page % 250}.{u % 250}", row["protocol"], row["body_sha256"],
                row["body_size"], text_sha256(article), article if keeps else None,
                title if keeps else None, row["author"] if keeps else None,
                row["date"] if keeps else None, row["sitename"] if keeps else None,
                row["language"] if keeps else None, row["metadata"] if keeps else "{}",
                row["request_headers"], KINDS[kind].value, why, changed, sentences,
                visible if keeps else None, page_sha))
        status, reason, snapshot = 200, None, latest[u] or None
        if kind == FAILED:
            reason, status = FAILURES[(u + count) % len(FAILURES)]
            snapshot = None
        elif kind == SAME and u % 3:
            status = 304
        check_rows.append((u + 1, run, when, KINDS[kind].value, status,
                           url if status else None, snapshot, reason))
        if len(check_rows) >= BATCH:
            _insert_checks(conn, snapshot_rows, check_rows)
            if count % (BATCH * 10) == 0:
                progress.say(f"checks {count:,} of {len(events):,}, snapshots {snapshot_id:,}")
    _insert_checks(conn, snapshot_rows, check_rows)
    conn.executemany(
        "INSERT INTO runs (id, command, args, pid, started_at, ended_at, status, documents,"
        " urls, new, changed, unchanged, failed, reason, html_changed, churn) VALUES"
        " (?, 'crawl', ?, ?, ?, ?, 'finished', 0, ?, ?, ?, ?, ?, NULL, ?, ?)",
        [(run, json.dumps({"documents": ["notes"], "urls": [], "all": False, "limit": None}),
          1000 + run, iso(first_day + (run - 1) * DAY), iso(first_day + run * DAY - 60),
          sum(n), n[NEW], n[CHANGED], n[SAME], n[FAILED], n[HTML], n[CHURNED])
         for run, n in sorted(runs.items())])
    progress.say(f"checks {len(events):,}, snapshots {snapshot_id:,}, runs {len(runs):,}")


def _insert_checks(conn, snapshot_rows, check_rows) -> None:
    conn.executemany(
        "INSERT INTO snapshots (id, url_id, run_id, fetched_at, requested_url, final_url,"
        " redirects, status, headers, content_type, ip_address, protocol, body_sha256,"
        " body_size, text_sha256, text, title, author, date, sitename, language, metadata,"
        " request_headers, change, reasons, changed, sentences, page_text, page_sha256)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?)", snapshot_rows)
    conn.executemany(
        "INSERT INTO checks (url_id, run_id, checked_at, outcome, status, final_url,"
        " snapshot_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", check_rows)
    snapshot_rows.clear()
    check_rows.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--urls", type=int, default=20_000)
    parser.add_argument("--checks", type=int, default=60_000)
    parser.add_argument("--due", type=int, help="overdue URLs on 127.0.0.1 (default: "
                        "100,000, or a tenth of the URLs when fewer)")
    parser.add_argument("--port", type=int, default=18765,
                        help="the port of the due URLs (scale_queries.py serves it)")
    parser.add_argument("--seed", type=int, default=16)
    options = parser.parse_args()
    if options.db.exists():
        sys.exit(f"{options.db} exists: remove it first")
    options.db.parent.mkdir(parents=True, exist_ok=True)
    due = options.due if options.due is not None else min(100_000, options.urls // 10)
    generate(options.db, options.documents, options.urls, options.checks, due, options.port,
             options.seed)
    size = options.db.stat().st_size
    print(f"{options.db}: {size / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
