"""Cleanup output fingerprint: a hash of every output text and repair log on news-dev.

    python -m bench.cleanup.fingerprint --write before.json    # record
    python -m bench.cleanup.fingerprint --check before.json    # compare; exit 1 on any difference

The safety net for speed work on `bot.clean`: such changes must not alter a single output byte.
Inputs are every news-dev body (with and without its title), every English body corrupted as
`bench.cleanup.evaluate` corrupts it (with and without its title), and the 1,000-word pieces
`bench.cleanup.speed` times.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from bench.cleanup.corrupt import corrupt
from bench.cleanup.evaluate import NEWS_DEV, corrupted_corpus, load_articles
from bench.cleanup.speed import pieces


def cases(corpus: Path = NEWS_DEV) -> Iterator[tuple[str, str, str]]:
    """(case name, text, title) for every input the fingerprint covers."""
    articles = load_articles(corpus)
    for article in articles:
        yield f"clean/title/{article.id}", article.body, article.title
        yield f"clean/no-title/{article.id}", article.body, ""
    for article, corrupted in corrupted_corpus(articles):
        yield f"corrupted/title/{article.id}", corrupted.text, article.title
        yield f"corrupted/no-title/{article.id}", corrupted.text, ""
    english = [a for a in articles if a.english]
    spun = [corrupt(a.body, zlib.crc32(a.id.encode())).text for a in english]
    for name, texts in (("clean", [a.body for a in english]), ("corrupted", spun)):
        for i, chunk in enumerate(pieces(texts)):
            yield f"piece/{name}/{i}", chunk, ""


def output_hash(text: str, title: str) -> str:
    """SHA-256 of the cleaned text and its full repair log (or of the exception it raised)."""
    from bot.clean import clean_text

    try:
        result = clean_text(text, title=title)
    except Exception as error:  # a crash is an outcome the fingerprint must keep too
        payload = json.dumps({"raises": f"{type(error).__name__}: {error}"})
    else:
        log = [repair.as_dict() for repair in result.repairs]
        payload = json.dumps({"text": result.text, "repairs": log}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(corpus: Path = NEWS_DEV) -> dict[str, str]:
    """Case name → output hash, for every case."""
    return {name: output_hash(text, title) for name, text, title in cases(corpus)}


def main(argv: list[str] | None = None) -> int:
    """Write or check a fingerprint file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, help="record the fingerprint to this file")
    mode.add_argument("--check", type=Path, help="compare with a recorded fingerprint")
    parser.add_argument("--corpus", type=Path, default=NEWS_DEV)
    args = parser.parse_args(argv)

    current = fingerprint(args.corpus)
    if args.write:
        args.write.write_text(json.dumps(current, indent=0, sort_keys=True) + "\n")
        print(f"{len(current)} cases recorded in {args.write}")
        return 0
    recorded = json.loads(args.check.read_text())
    differing = sorted(
        k for k in recorded.keys() | current.keys() if recorded.get(k) != current.get(k)
    )
    for name in differing[:20]:
        print(f"  differs: {name}")
    print(f"{len(current)} cases, {len(differing)} differ from {args.check}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
