"""Extraction + cleanup throughput: the worker-process pool with 2 workers against 1 (issue #12).

Each news-dev page goes through what the pipeline runs in a worker for a link: extraction
(`document_from_fetched`) then cleanup (`clean_document`), through the real `ProcessCpuPool`.
The same pages are also run through the thread pool with 2 threads, to show what the GIL leaves
of a second core.

The machine may be shared: a calibration line first runs a pure-Python loop in 1 and then 2
processes at once; its ratio is the most the pool can show at this moment (2.0 on two idle
cores). Also reported: the pool's start-up time and its memory (RSS and PSS of the fork server
and of each worker, from /proc).

    .venv/bin/python -m bench.extraction_throughput [--rounds 1] [--workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import statistics
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


async def run(rounds: int, workers: int, repeats: int) -> dict[str, object]:
    """Time 1 worker, `workers` workers and `workers` threads, interleaved `repeats` times (the
    machine's load changes from minute to minute), each repetition with its own calibration."""
    pages = load_pages()
    result: dict[str, object] = {"pages": len(pages), "rounds": rounds}
    started = time.perf_counter()
    many = ProcessCpuPool(workers, per_owner=workers)
    await many.start()  # starts the fork server too: the cold start-up a bot pays
    result["pool_start_s"] = round(time.perf_counter() - started, 2)
    one = ProcessCpuPool(1, per_owner=1)
    threads = ThreadCpuPool(workers, per_owner=workers)
    pools: dict[str, CpuPool] = {
        "process_1": one,
        f"process_{workers}": many,
        f"thread_{workers}": threads,
    }
    try:
        await one.start()
        for pool in pools.values():
            await throughput(pool, pages[:8], 1)  # warm: no worker's first page is timed
        result["pool_memory_kib"] = pool_memory()
        runs: dict[str, list[float]] = {name: [] for name in pools}
        runs["calibration"] = []
        for _ in range(repeats):
            runs["calibration"].append(calibrate())
            for name, pool in pools.items():
                runs[name].append(round(await throughput(pool, pages, rounds), 2))
    finally:
        for pool in pools.values():
            await pool.aclose()
    result["runs"] = runs
    for name, values in runs.items():
        result[f"{name}_median"] = statistics.median(values)
    speedups = [
        round(b / a, 2) for a, b in zip(runs["process_1"], runs[f"process_{workers}"], strict=True)
    ]
    result[f"speedup_{workers}_vs_1"] = speedups
    result[f"speedup_{workers}_vs_1_median"] = statistics.median(speedups)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="times through the 97 pages")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repetitions")
    args = parser.parse_args()
    if not (NEWS_DEV / "html").is_dir():
        print(f"news-dev corpus not found at {NEWS_DEV} (set NEWS_DEV_CORPUS)", file=sys.stderr)
        return 2
    print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    result = asyncio.run(run(args.rounds, args.workers, args.repeats))
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
