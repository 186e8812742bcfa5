"""PDF extraction speed: a generated 50-page report through bot.ingest.pdf.extract_pdf.

The report has a running header, page numbers and five paragraphs (about 500 words) per page, like
a dense annual report or court ruling. Reported: wall time per page of the whole extractor (median
of several runs), the same for pypdf's plain extract_text alone (the floor: what any pypdf-based
extractor pays), the share our line assembly, furniture removal and rewrapping add, and the
one-time import of pypdf.

    .venv/bin/python -m bench.pdf_extraction [--pages 50] [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time

WORDS_PER_PARAGRAPH = 100
PARAGRAPHS_PER_PAGE = 5


def build(pages: int) -> bytes:
    """The benchmark document: `pages` pages of five paragraphs, header and page numbers."""
    from testsupport.pdfs import filler_paragraphs, make_pdf

    return make_pdf(
        [
            filler_paragraphs(PARAGRAPHS_PER_PAGE, seed=n, words=WORDS_PER_PARAGRAPH)
            for n in range(pages)
        ],
        title="Annual report on the river crossing",
        header="Riverside City Council - Annual Report 2024",
        page_numbers=True,
    )


def import_seconds() -> float:
    """Time to import pypdf in a fresh interpreter (paid once, by the first PDF)."""
    code = "import time; t = time.perf_counter(); import pypdf; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return float(out)


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    from pypdf import PdfReader

    from bot.ingest.pdf import extract_pdf

    data = build(args.pages)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    if pages != args.pages:
        raise SystemExit(f"generated {pages} pages instead of {args.pages}")
    extract_pdf(data, source="warm-up")  # vocabulary and font tables load once
    ours, floor = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        doc = extract_pdf(data, source="bench.pdf")
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for page in PdfReader(io.BytesIO(data)).pages:
            page.extract_text()
        floor.append(time.perf_counter() - started)
    words = len(doc.text.split())
    paragraphs = doc.text.count("\n\n") + 1
    ours_s, floor_s = statistics.median(ours), statistics.median(floor)
    print(
        f"document: {pages} pages, {len(data) / 1024:.0f} KiB, {words:,} words "
        f"({words / pages:.0f} per page), {paragraphs} paragraphs "
        f"(expected {pages * PARAGRAPHS_PER_PAGE})"
    )
    print(f"runs: {args.runs}, median shown (min–max per page in brackets)")
    print(
        f"bot.ingest.pdf.extract_pdf: {ours_s * 1000 / pages:.1f} ms per page "
        f"[{min(ours) * 1000 / pages:.1f}–{max(ours) * 1000 / pages:.1f}], "
        f"{ours_s:.2f} s for the document"
    )
    print(
        f"pypdf extract_text alone: {floor_s * 1000 / pages:.1f} ms per page "
        f"[{min(floor) * 1000 / pages:.1f}–{max(floor) * 1000 / pages:.1f}]"
    )
    print(f"overhead over pypdf alone: {ours_s / floor_s:.2f}x")
    print(f"import pypdf (once per process): {import_seconds() * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
