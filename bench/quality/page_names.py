"""Capitalised-word F1 of the cleanup stage with and without the page's own cased names.

    python -m bench.quality.page_names            # tuning and held-out parts of news-dev

Each English news-dev body is corrupted as `bench.cleanup.evaluate` corrupts it (lowercased,
spun, boilerplate appended) while the stored HTML page keeps its head, structured data, captions
and links. `bot.ingest.evidence.page_names` reads those; the stage runs bare, with the cased title, with
the names, and with both. Articles whose crc32(id) % 5 == 0 are held out: they were not looked
at while the rules were written, and are reported apart.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import zlib
from pathlib import Path

from bench.cleanup.evaluate import (
    NEWS_DEV,
    RepairScore,
    _score_document,
    corrupted_corpus,
    load_articles,
)


def held_out(article_id: str) -> bool:
    """The fixed held-out fifth of news-dev."""
    return zlib.crc32(article_id.encode()) % 5 == 0


def _html(corpus: Path, article_id: str) -> str:
    path = corpus / "html" / f"{article_id}.html.gz"
    if not path.exists():
        return ""
    return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    """Print capitalised-word P/R/F1 per setting, tuning and held-out apart."""
    from bot.clean import clean_text
    from bot.ingest.evidence import page_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=NEWS_DEV)
    args = parser.parse_args(argv)
    if not (args.corpus / "ground-truth.json").exists():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 1
    corpus = corrupted_corpus(load_articles(args.corpus))
    settings = ("bare text", "title", "page names", "title + page names")
    scores = {(part, s): RepairScore() for part in ("tuning", "held out") for s in settings}
    counts = {"tuning": 0, "held out": 0}
    for article, corrupted in corpus:
        part = "held out" if held_out(article.id) else "tuning"
        counts[part] += 1
        names = page_names(_html(args.corpus, article.id))
        for setting in settings:
            title = article.title if "title" in setting else ""
            given = names if "names" in setting else ()
            result = clean_text(corrupted.text, title=title, names=given)
            removed = "\n".join(r.before for r in result.repairs if r.kind == "boilerplate")
            _score_document(corrupted, result.text, removed, scores[(part, setting)])
    print(f"{'part':9} {'articles':>8}  {'setting':20} {'capF1':>6} {'P':>6} {'R':>6} {'midF1':>6}")
    for (part, setting), score in scores.items():
        case, mid = score.case_all, score.case_mid
        precision = case.tp / max(case.tp + case.fp, 1)
        recall = case.tp / max(case.tp + case.fn, 1)
        print(
            f"{part:9} {counts[part]:8d}  {setting:20} {case.f1:6.3f} {precision:6.3f}"
            f" {recall:6.3f} {mid.f1:6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
