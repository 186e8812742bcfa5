"""Extraction + cleanup throughput: the worker-process pool with 2 workers against 1 (issue #12).

Each news-dev page goes through what the pipeline runs in a worker for a link: extraction
(`document_from_fetched`) then cleanup (`clean_document`), through the real `ProcessCpuPool`.
The same pages are also run through the thread pool with 2 threads, to show what the GIL leaves
of a second core.

The machine may be shared: a calibration line first runs a pure-Python loop in 1 and then 2
processes at once; its ratio is the most the pool can show at this moment (2.0 on two idle
cores). Also reported: the pool's start-up time and its memory (RSS and PSS of the fork server
and of each worker, from /proc).

    .venv/bin/python bench/extraction_throughput.py [--rounds 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clean import clean_document  # noqa: E402
from bot.ingest.documents import document_from_fetched  # noqa: E402
from bot.models import Document, Fetched  # noqa: E402
from bot.workers import CpuPool, ProcessCpuPool, ThreadCpuPool  # noqa: E402
from testsupport.corpora import NEWS_DEV  # noqa: E402

CALIBRATION_LOOPS = 6_000_000


def extract_and_clean(fetched: Fetched) -> int:
    """One link's CPU work, as the pipeline does it (two stages, here in one task)."""
    try:
        document: Document = document_from_fetched(fetched, fetched.url)
    except Exception:
        return 0  # a page without article text still cost its extraction
    cleaned, _ = clean_document(document)
    return len(cleaned.text)


def _loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i & 7
    return total


def calibrate() -> float:
    """Ratio of pure-Python work done by 2 processes at once to 1, over the same wall time."""
    # spawn, not forkserver: the pool's fork server must be started by the pool (with its
    # preloaded modules), not by this calibration.
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    _loop(CALIBRATION_LOOPS)
    one = time.perf_counter() - started
    with context.Pool(2) as pool:
        pool.map(_loop, [1000, 1000])  # start both before timing
        started = time.perf_counter()
        pool.map(_loop, [CALIBRATION_LOOPS, CALIBRATION_LOOPS])
        two = time.perf_counter() - started
    return round(2 * one / two, 2)


def load_pages() -> list[Fetched]:
    """Every news-dev page as the fetcher would hand it over."""
    pages = []
    for path in sorted((NEWS_DEV / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        url = f"https://news-dev.example/{path.name.split('.')[0][:12]}"
        pages.append(Fetched(url=url, requested_url=url, content_type="text/html", text=html))
    return pages


async def throughput(pool: CpuPool, pages: list[Fetched], rounds: int) -> float:
    """Pages per second through `pool`, all submitted at once (as a burst of chats would)."""
    work = pages * rounds
    started = time.perf_counter()
    await asyncio.gather(*(pool.run("bench", extract_and_clean, page, limit=120) for page in work))
    return len(work) / (time.perf_counter() - started)


def memory_kib(pid: int) -> dict[str, int]:
    """RSS and PSS of a process, KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("Rss", "Pss"):
            values[key.lower()] = int(line.split()[1])
    return values


def pool_memory() -> dict[str, object]:
    """The fork server and workers: the children of this process and of the fork server."""
    out: dict[str, object] = {}
    me = str(os.getpid())
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if b"forkserver" in cmdline:
            children.append((fields.get("PPid", "").strip(), int(status.parent.name)))
    servers = [pid for ppid, pid in children if ppid == me]
    for server in servers:
        out["fork_server"] = memory_kib(server)
        out["workers"] = [memory_kib(pid) for ppid, pid in children if ppid == str(server)]
    return out


async def run(rounds: int, workers: int) -> dict[str, object]:
    """Calibrate, then time 1 worker, `workers` workers, and `workers` threads."""
    pages = load_pages()
    result: dict[str, object] = {"pages": len(pages), "rounds": rounds}
    result["calibration_2proc_vs_1"] = calibrate()
    for count in (1, workers):
        started = time.perf_counter()
        pool = ProcessCpuPool(count, per_owner=count)
        await pool.start()
        start_s = time.perf_counter() - started
        try:
            await throughput(pool, pages[:4], 1)  # each worker's first pages: no cold caches
            rate = await throughput(pool, pages, rounds)
            if count == workers:
                result["pool_memory_kib"] = pool_memory()
        finally:
            await pool.aclose()
        result[f"process_{count}_pages_per_s"] = round(rate, 2)
        result[f"process_{count}_start_s"] = round(start_s, 2)
    threads = ThreadCpuPool(workers, per_owner=workers)
    try:
        await throughput(threads, pages[:4], 1)
        result[f"thread_{workers}_pages_per_s"] = round(await throughput(threads, pages, rounds), 2)
    finally:
        await threads.aclose()
    one = float(result["process_1_pages_per_s"])  # type: ignore[arg-type]
    result[f"speedup_{workers}_vs_1"] = round(
        float(result[f"process_{workers}_pages_per_s"]) / one, 2
    )  # type: ignore[arg-type]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times through the 97 pages")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not (NEWS_DEV / "html").is_dir():
        print(f"news-dev corpus not found at {NEWS_DEV} (set NEWS_DEV_CORPUS)", file=sys.stderr)
        return 2
    print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    result = asyncio.run(run(args.rounds, args.workers))
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
