"""Command line: `python -m bot extract|clean|summarize SOURCE...`, `run`, `check`.

Output contract: human-readable by default; with --json exactly one JSON object per source per line,
in input order. Exit status 0 when every source succeeded, 1 when any failed, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from pydantic import ValidationError

from bot.config import Settings, load_settings
from bot.errors import BotError, ConfigError, InputError
from bot.models import LENGTHS, Document, Result, SummaryOptions
from bot.ops.logging import setup_logging
from bot.ops.shutdown import exit_on_sigterm_until_started

log = logging.getLogger("bot")

MAX_CONCURRENT_SOURCES = 4
PROGRESS_AFTER_SECONDS = 0.5


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and --help)."""
    parser = _Parser(prog="python -m bot", description="Repair and summarise news articles.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_sources(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument(
            "sources", nargs="+", metavar="SOURCE", help="URL, .txt/.md/.html/.pdf file, or -"
        )
        sub.add_argument("--json", action="store_true", help="one JSON object per source per line")
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
        return sub

    with_sources("extract", "fetch and extract the main text")
    with_sources("clean", "extract and repair the text")
    summarize = with_sources("summarize", "extract, repair and summarise")
    summarize.add_argument("--length", choices=LENGTHS, default="medium")
    summarize.add_argument("--language", default="", help="answer in this language (e.g. en, de)")
    summarize.add_argument("--offline", action="store_true", help="use the offline summariser")

    run = commands.add_parser("run", help="start the Telegram bot")
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    check = commands.add_parser("check", help="check configuration and every dependency")
    check.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "run":
        # A service manager may stop the bot while it is still importing; that is a clean stop.
        exit_on_sigterm_until_started()
    try:
        settings = _load_settings()
        _setup_logging(settings, debug=args.debug)
        # The heavy modules (trafilatura, PTB, SQLAlchemy) are imported only by the command that
        # needs them, after the SIGTERM handler above: start-up stays fast and stoppable.
        if args.command == "run":
            from bot.telegram.app import run_bot

            return run_bot(settings)
        if args.command == "check":
            from bot.ops.check import run_checks

            return asyncio.run(run_checks(settings))
        return asyncio.run(_run_sources(args, settings))
    except BotError as exc:
        if args.debug:
            raise
        print(f"error: {exc.user_message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _load_settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())).upper() or "a setting"
        raise ConfigError(f"Invalid setting {field}: {first.get('msg', 'bad value')}.") from exc


def _setup_logging(settings: Settings, *, debug: bool) -> None:
    setup_logging(settings, level="DEBUG" if debug else None)


async def _run_sources(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ingest.documents import read_stdin_source  # heavy: see main()
    from bot.services import build_services  # heavy: see main()

    stdin_doc: Document | BotError | None = None
    if "-" in args.sources:
        try:
            stdin_doc = read_stdin_source(sys.stdin.buffer)
        except BotError as exc:
            stdin_doc = exc  # reported as that source's record, like any other failure
    # Worker processes pay off when several sources are read at once; for one, starting them
    # (about 1-2 s) costs more than it saves, and the element cap already bounds a hostile page.
    services = await build_services(
        settings, cpu_processes=settings.cpu_processes and len(args.sources) > 1
    )
    pipeline = services.pipeline
    try:
        if args.command == "summarize" and not pipeline.uses_llm and not args.offline:
            print(
                "note: OPENAI_API_KEY is not set; using the offline (extractive) summariser.",
                file=sys.stderr,
            )
        progress = _Progress(len(args.sources), quiet=args.json and not sys.stderr.isatty())
        semaphore = asyncio.Semaphore(MAX_CONCURRENT_SOURCES)

        async def one(source: str) -> dict[str, object]:
            async with semaphore:
                try:
                    result = await _process(args, pipeline, source, stdin_doc)
                    return _record(args.command, source, result)
                except BotError as exc:
                    if args.debug:
                        log.exception("failed: %s", source)
                    return {"source": source, "error": exc.user_message}
                except Exception as exc:
                    # One record per source, whatever happens: a bug in one source's path must
                    # not lose every other source's result.
                    log.exception("unexpected failure: %s", source)
                    return {"source": source, "error": f"Unexpected error ({type(exc).__name__})."}
                finally:
                    progress.done(source)

        records = await asyncio.gather(*(one(source) for source in args.sources))
    finally:
        await services.aclose()
    failed = 0
    for record in records:
        if "error" in record:
            failed += 1
            print(f"error: {record['source']}: {record['error']}", file=sys.stderr)
        _print(args, record, sys.stdout)
    return 1 if failed else 0


async def _process(args, pipeline, source: str, stdin_doc) -> Result:  # type: ignore[no-untyped-def]
    from bot.ingest.documents import read_file_source  # heavy: see main()
    from bot.ingest.text import document_from_text, is_url

    # Only the CLI reads local files: the pipeline never treats a string as a path.
    target: str | Document
    if source == "-":
        if isinstance(stdin_doc, BotError):
            raise stdin_doc
        target = stdin_doc if stdin_doc is not None else document_from_text("", "-")
    elif is_url(source) or "://" in source:
        target = source
    else:
        target = await asyncio.to_thread(read_file_source, source)
    if args.command == "extract":
        return Result(document=await pipeline.document(target))
    if args.command == "clean":
        return await pipeline.clean(target)
    options = SummaryOptions(length=args.length, language=args.language, offline=args.offline)
    return await pipeline.summarise(target, options)


def _record(command: str, source: str, result: Result) -> dict[str, object]:
    doc = result.document
    if command == "extract":
        return {
            "source": source,
            "title": doc.title,
            "author": doc.author,
            "date": doc.date,
            "site": doc.site,
            "url": doc.url,
            "text": doc.text,
        }
    if command == "clean":
        repairs = result.clean.repairs if result.clean else ()
        return {
            "source": source,
            "title": doc.title,
            "text": doc.text,
            "repairs": [r.as_dict() for r in repairs],
        }
    summary = result.summary
    if summary is None:  # pragma: no cover - the summarize command always sets it
        raise InputError("No summary was produced.")
    return {
        "source": source,
        "title": doc.title,
        "url": doc.url,
        "summary": summary.text,
        "model": summary.model,
        "prompt_version": summary.prompt_version,
        "prompt_tokens": summary.prompt_tokens,
        "completion_tokens": summary.completion_tokens,
        "cached": summary.cached,
        "quotes": summary.quotes,
        "quotes_verified": summary.quotes_verified,
        "unverified_quotes": list(summary.unverified_quotes),
        "repairs": len(result.clean.repairs) if result.clean else 0,
        "kind": result.summary_kind,
        "notes": list(result.warnings)
        + (
            ["the LLM failed; this is the offline summary, not cached"]
            if result.is_fallback
            else []
        ),
    }


def _print(args: argparse.Namespace, record: dict[str, object], out: TextIO) -> None:
    if args.json:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    if "error" in record:
        return  # already on stderr
    title = str(record.get("title") or record["source"])
    out.write(f"# {title}\n")
    if args.command == "extract":
        meta = " · ".join(str(record[k]) for k in ("author", "date", "site") if record.get(k))
        if meta:
            out.write(f"{meta}\n")
        out.write(f"\n{record['text']}\n\n")
    elif args.command == "clean":
        out.write(f"\n{record['text']}\n\n")
        out.write(_repair_diff(record["repairs"]))  # type: ignore[arg-type]
    else:
        out.write(f"\n{record['summary']}\n\n")
        tokens = f"{record['prompt_tokens']}+{record['completion_tokens']} tokens"
        cached = ", cached" if record["cached"] else ""
        out.write(f"— {record['model']} ({tokens}{cached}; {record['repairs']} repairs)\n")
        for note in record["notes"]:  # type: ignore[attr-defined]
            out.write(f"note: {note}\n")
        out.write("\n")


def _repair_diff(repairs: list[dict[str, object]]) -> str:
    """A compact diff: one line per repair, `-before +after` with its kind and offset."""
    if not repairs:
        return "(no repairs)\n\n"
    counts: dict[str, int] = {}
    lines = []
    for repair in repairs:
        kind = str(repair["kind"])
        counts[kind] = counts.get(kind, 0) + 1
        before = json.dumps(repair["before"], ensure_ascii=False)
        after = json.dumps(repair["after"], ensure_ascii=False)
        lines.append(f"  @{repair['start']:<6} {kind:<11} {before} → {after}")
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    return f"{len(repairs)} repairs ({summary}):\n" + "\n".join(lines) + "\n\n"


class _Progress:
    """Per-source lines on stderr once a multi-source run has taken more than a moment."""

    def __init__(self, total: int, *, quiet: bool) -> None:
        self.total = total
        self.finished = 0
        self.quiet = quiet or total < 2
        self.started = time.monotonic()

    def done(self, source: str) -> None:
        self.finished += 1
        if self.quiet or time.monotonic() - self.started < PROGRESS_AFTER_SECONDS:
            return
        print(f"[{self.finished}/{self.total}] {source}", file=sys.stderr)
