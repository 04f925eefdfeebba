"""Distributed crawl throughput with 1, 2 and 4 workers on this machine (run by hand).

    python bench/distributed.py [--urls 1000] [--workers 1 2 4]

Starts the corpus server (bench/corpus_server.py) and a redis-server on free ports; for each
worker count, a fresh archive, one coordinator writing the items and N workers. Prints pages/s.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus_server import load  # noqa: E402
from crawl import FAST, free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--corpus", type=Path,
                        default=ROOT.parent / "shared" / "corpora" / "news-pages")
    options = parser.parse_args()
    pages = load(options.corpus)
    work = Path(tempfile.mkdtemp(prefix="sourcekeeper-dist-"))
    port, redis_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "corpus_server.py"),
                               str(options.corpus), str(port)], stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(redis_port),
                              "--save", "", "--appendonly", "no", "--dir", str(work)],
                             stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    url = f"redis://127.0.0.1:{redis_port}/0"
    try:
        print(f"{options.urls} URLs, corpus pages served from 127.0.0.1")
        for count in options.workers:
            docs = work / f"docs-{count}"
            docs.mkdir()
            urls = [f"http://127.0.0.1:{port}{pages[n % len(pages)][0]}?w{count}={n}"
                    for n in range(options.urls)]
            for start in range(0, len(urls), 100):
                (docs / f"d{start}.txt").write_text("\n".join(urls[start:start + 100]))
            workers = [subprocess.Popen([sys.executable, "-m", "crawler", "worker", "--redis",
                                         url, *FAST], cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL) for _ in range(count)]
            time.sleep(3)  # workers started and waiting: measure the crawl, not Python start-up
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "crawler", "crawl", str(docs), "--db",
                            str(work / f"a{count}.db"), "--redis", url, *FAST], cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
            seconds = time.perf_counter() - began
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=60)
            print(f"{count} worker(s): {options.urls / seconds:.1f} pages/s", flush=True)
    finally:
        server.terminate()
        redis.terminate()


if __name__ == "__main__":
    main()
