"""Run every benchmark in turn (`make bench`); each prints its own figures. Takes several minutes."""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = (
    "bench.quality.extraction",
    "bench.stages",
    "bench.pdf_extraction",
    "bench.cleanup.evaluate",
    "bench.cleanup.speed",
    "bench.telegram_load",
    "bench.telegram_burst",
    "bench.extraction_throughput",
    "bench.digest_fanout",
    "bench.digest_startup",
)


def main() -> int:
    """Run each benchmark module as `python -m`, report failures at the end."""
    failed = []
    for module in BENCHMARKS:
        print(f"\n=== {module}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", module])
        print(f"=== {module}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
        if code:
            failed.append(module)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
