"""Edits the cleanup stage makes on clean text, per genre (the fewer the better: ideally none).

    python -m bench.quality.clean_text            # committed genres + news-dev + local texts
    python -m bench.quality.clean_text --examples # also print every edit

Genres:
- the files under tests/data/clean_text/ (written for this project; heldout/ was written after the
  rules were tuned and is reported apart);
- news-dev article bodies (with their page titles), from NEWS_DEV_CORPUS or ../shared;
- texts already on this machine, read in place and never copied into the repository: the English
  manual pages (/usr/share/man/man*) and the non-English ones (/usr/share/man/<lang>/), rendered
  to plain text by groff, and the docstrings of Python's standard library. Each is skipped when absent.
Word edits are every repair other than unicode and whitespace normalisation, per 10,000
whitespace-separated words (the issue's target: at most 0.5 on every genre).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import re
import shutil
import subprocess
import sys
import sysconfig
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLEAN_TEXT = ROOT / "tests" / "data" / "clean_text"
MAN = Path("/usr/share/man")
# Character normalisation, and boilerplate (whole lines at a text's end: licence and copyright
# footers of manual pages), are reported apart from word edits.
NOT_WORD_EDITS = ("unicode", "whitespace", "boilerplate")


def _committed() -> Iterator[tuple[str, str, str]]:
    for path in sorted(CLEAN_TEXT.rglob("*")):
        if path.suffix in (".txt", ".md") and path.stem != "README":
            held_out = "heldout" in path.parts
            genre = path.stem.split("__")[0] + (" (held out)" if held_out else "")
            yield genre, path.name, path.read_text(encoding="utf-8")


def _news_dev() -> Iterator[tuple[str, str, str]]:
    from bench.cleanup.evaluate import NEWS_DEV, load_articles

    if not (NEWS_DEV / "ground-truth.json").exists():
        return
    for article in load_articles(NEWS_DEV):
        yield "news-dev", article.id, article.body


def _roff_text(path: Path) -> str:
    """A manual page rendered as plain text by groff (no hyphenation), or "" without groff."""
    groff = shutil.which("groff")
    if groff is None:
        return ""
    rendered = subprocess.run(
        [groff, "-k", "-t", "-man", "-Tutf8", "-P-cbou", "-rHY=0", "-rLL=100n"],
        input=gzip.decompress(path.read_bytes()),
        capture_output=True,
        check=False,
        timeout=60,
    ).stdout.decode("utf-8", errors="replace")
    return re.sub(r"\n{3,}", "\n\n", rendered)


def _manual_pages(limit: int) -> Iterator[tuple[str, str, str]]:
    english = sorted(MAN.glob("man[1-8]/*.gz"))[:limit]
    for path in english:
        yield "manual pages (en)", path.name, _roff_text(path)
    for path in sorted(p for p in MAN.glob("*/man[1-8]/*.gz") if len(p.parts[-3]) <= 5)[:limit]:
        yield "manual pages (other languages)", f"{path.parts[-3]}/{path.name}", _roff_text(path)


def _docstrings(limit: int) -> Iterator[tuple[str, str, str]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.glob("*.py"))[:limit]:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc and len(doc.split()) >= 40:
                    yield "python docstrings", f"{path.name}:{getattr(node, 'name', '')}", doc


def measure(
    sources: Iterator[tuple[str, str, str]], examples: bool
) -> dict[str, tuple[int, int, Counter[str]]]:
    """Genre → (words, documents, word edits by kind); prints edits when `examples`."""
    from bench.cleanup.evaluate import word_count
    from bot.clean import clean_text

    results: dict[str, tuple[int, int, Counter[str]]] = {}
    for genre, name, text in sources:
        words, documents, kinds = results.get(genre, (0, 0, Counter()))
        repairs = clean_text(text).repairs
        kinds["boilerplate lines"] += sum(r.kind == "boilerplate" for r in repairs)
        for repair in (r for r in repairs if r.kind not in NOT_WORD_EDITS):
            kinds[repair.kind] += 1
            if examples:
                context = text[max(0, repair.start - 40) : repair.start + 40].replace("\n", " ")
                print(f"  {genre} {name}: {repair.kind} {repair.before!r} → {repair.after!r}")
                print(f"      …{context}…")
        results[genre] = (words + word_count(text), documents + 1, kinds)
    return results


def main(argv: list[str] | None = None) -> int:
    """Print word edits per 10,000 words for every genre."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", action="store_true", help="print every edit")
    parser.add_argument("--limit", type=int, default=3000, help="files per local source")
    args = parser.parse_args(argv)

    def sources() -> Iterator[tuple[str, str, str]]:
        yield from _committed()
        yield from _news_dev()
        if MAN.is_dir():
            yield from _manual_pages(args.limit)
        yield from _docstrings(args.limit)

    results = measure(sources(), args.examples)
    print(f"{'genre':34} {'docs':>6} {'words':>10} {'edits':>6} {'per 10k':>8}  by kind")
    for genre, (words, documents, kinds) in results.items():
        lines = kinds.pop("boilerplate lines", 0)
        edits = sum(kinds.values())
        kinds_text = ", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "-"
        kinds_text += f"; boilerplate lines removed: {lines}" if lines else ""
        print(
            f"{genre:34} {documents:6d} {words:10d} {edits:6d} {10_000 * edits / max(words, 1):8.2f}"
            f"  {kinds_text}"
        )
    print(
        "word edits: every repair other than unicode/whitespace normalisation and boilerplate"
        " line removal (target <= 0.5 per 10,000 words)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
