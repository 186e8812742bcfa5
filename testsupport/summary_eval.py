"""Summary evaluation shared by the summary-quality bench and the tests: the summaries-dev split,
caption run-in counting, the Lead-3 / TextRank / LexRank baselines (sumy with a tokenizer that
needs no NLTK download) and multi-reference ROUGE (rouge-score, stemmer on)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.clean import clean_text
from bot.models import Document, Length, SummaryOptions
from bot.summarise.offline import OfflineSummariser
from bot.summarise.quotes import check_quotes
from testsupport.corpora import SUMMARIES_DEV

CORPUS = SUMMARIES_DEV  # a folder, or the .jsonl file itself through SUMMARIES_DEV_CORPUS
HELD_OUT_PERCENT = 30
BASELINE_SENTENCES = 3

# The baselines' sentence split: end punctuation (maybe followed by a closing quote) then space.
_SIMPLE_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*(?:''|[\"”’']))?\s+")
_WORD = re.compile(r"\w+")

# Caption run-ins: a caption's marker, or a sentence-opening word glued on after a lowercase word
# with no punctuation between ("... on her life The wealthy businessman ...").
CAPTION_MARKERS = re.compile(
    r"scroll down for video|\((?:pictured|left|right|centre|center|above|below|top|bottom|"
    r"inset|file photo|file picture)[^)]*\)|\bpictured\b|\b(?:photo|picture|image)\s*:"
    r"|getty images|\bcredit\s*:",
    re.IGNORECASE,
)
RUN_IN = re.compile(
    r"\b[a-z][a-z'’]*[a-z]\)?\s+(?:The|A|An|He|She|They|His|Her|Their|Its|This|These|Those|"
    r"But|However|Police|Officers)\s+[a-z]"
)
_TITLE_CONTEXT = re.compile(
    r"\b(?:to|of|by|from|in|on|at|for|with|about|as|into|and|or|said|says|told|read|called|"
    r"named|dubbed|titled|via|watch|watched|see)\s+(?:The|A|An|This|These|Those|But|Police)\b"
)


def caption_runins(sentence: str) -> int:
    """1 when a summary sentence holds a caption or a caption-style run-in, else 0."""
    if CAPTION_MARKERS.search(sentence):
        return 1
    for match in RUN_IN.finditer(sentence):
        if not _TITLE_CONTEXT.match(sentence, match.start()):
            return 1
    return 0


def split_of(article_id: str) -> str:
    """ "held-out" for a fixed 30 % of the ids (by SHA-256), "tune" for the rest."""
    value = int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % 100
    return "held-out" if value < HELD_OUT_PERCENT else "tune"


def simple_sentences(text: str) -> list[str]:
    """Sentences by a simple regex, as the corpus README's baselines were computed."""
    return [s.strip() for s in _SIMPLE_SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def load_corpus(path: Path = CORPUS) -> list[dict[str, object]]:
    """The articles of summaries-dev (id, article, references)."""
    if path.is_dir():
        path = path / "summeval-cnndm.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- systems ------------------------------------------------------------------------------------


@dataclass
class Output:
    """One system's summary of one article: its sentences (a line each for ROUGE-Lsum)."""

    sentences: list[str]
    seconds: float
    quotes: int = 0
    quotes_verified: int = 0
    missing: tuple[str, ...] = ()


def _bullets(text: str) -> list[str]:
    return [line.removeprefix("- ").strip() for line in text.splitlines() if line.strip()]


def offline_system(length: Length) -> Callable[[dict[str, object]], Output]:
    """Our offline summariser, after the bot's cleanup, as the bot would run it."""
    summariser = OfflineSummariser()
    options = SummaryOptions(length=length, offline=True)

    def run(row: dict[str, object]) -> Output:
        cleaned = clean_text(str(row["article"]), "").text
        started = time.process_time()
        summary = summariser.summarise_sync(Document(source="bench", text=cleaned), options)
        seconds = time.process_time() - started
        check = check_quotes(summary.text, cleaned)
        return Output(_bullets(check.text), seconds, check.quotes, check.verified, check.missing)

    return run


def lead_system(n: int = BASELINE_SENTENCES) -> Callable[[dict[str, object]], Output]:
    """The first n sentences (simple regex split)."""

    def run(row: dict[str, object]) -> Output:
        started = time.process_time()
        sentences = simple_sentences(str(row["article"]))[:n]
        return Output(sentences, time.process_time() - started)

    return run


class _RegexTokenizer:
    """A sumy tokenizer that needs no NLTK data download: the same simple regex split."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(simple_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(_WORD.findall(sentence))


def sumy_system(kind: str, n: int = BASELINE_SENTENCES) -> Callable[[dict[str, object]], Output]:
    """TextRank or LexRank from sumy, English stemmer and stop words, n sentences."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer_class = {"textrank": TextRankSummarizer, "lexrank": LexRankSummarizer}[kind]
    summarizer = summarizer_class(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _RegexTokenizer()

    def run(row: dict[str, object]) -> Output:
        started = time.process_time()
        # One paragraph: the corpus has no line breaks, and sumy reads a lone line as a heading.
        text = " ".join(str(row["article"]).split())
        parser = PlaintextParser.from_string(text + "\n\n" + text[:0], tokenizer)
        sentences = [str(s) for s in summarizer(parser.document, n)]
        return Output(sentences, time.process_time() - started)

    return run


def llm_system(length: Length) -> Callable[[dict[str, object]], Output]:
    """The LLM summariser configured from the environment (OPENAI_API_KEY etc.)."""
    from bot.config import load_settings
    from bot.summarise import build_summariser

    settings = load_settings()
    if not settings.has_llm:
        raise SystemExit("--llm needs OPENAI_API_KEY (and OPENAI_BASE_URL/OPENAI_MODEL) set")
    options = SummaryOptions(length=length)

    def run(row: dict[str, object]) -> Output:
        cleaned = clean_text(str(row["article"]), "").text

        async def once() -> str:
            summariser = build_summariser(settings)
            try:
                summary = await summariser.summarise(
                    Document(source="bench", text=cleaned), options
                )
            finally:
                await summariser.aclose()
            return summary.text

        started = time.perf_counter()
        text = asyncio.run(once())
        seconds = time.perf_counter() - started
        check = check_quotes(text, cleaned)
        return Output(_bullets(check.text), seconds, check.quotes, check.verified, check.missing)

    return run


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Scores:
    """A system's figures over a set of articles."""

    rouge1: list[float] = field(default_factory=list)
    rouge2: list[float] = field(default_factory=list)
    rougeLsum: list[float] = field(default_factory=list)
    words: list[int] = field(default_factory=list)
    sentences: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    quotes: list[int] = field(default_factory=list)
    quotes_verified: list[int] = field(default_factory=list)
    runins: list[int] = field(default_factory=list)
    long_bullets: list[int] = field(default_factory=list)

    def subset(self, keep: Sequence[int]) -> Scores:
        """The figures of the articles at the positions `keep`."""
        return Scores(**{name: [values[i] for i in keep] for name, values in vars(self).items()})

    def row(self, name: str) -> dict[str, object]:
        """The figures as one table row."""
        n = len(self.rouge1) or 1
        seconds = sum(self.seconds)
        return {
            "system": name,
            "articles": len(self.rouge1),
            "rouge1": round(100 * sum(self.rouge1) / n, 2),
            "rouge2": round(100 * sum(self.rouge2) / n, 2),
            "rougeLsum": round(100 * sum(self.rougeLsum) / n, 2),
            "median_words": statistics.median(self.words) if self.words else 0,
            "mean_sentences": round(sum(self.sentences) / n, 2),
            "quotes": sum(self.quotes),
            "quotes_verified": sum(self.quotes_verified),
            "caption_runins": sum(self.runins),
            "bullets_over_220": sum(self.long_bullets),
            "per_second": round(len(self.rouge1) / seconds, 1) if seconds else 0.0,
        }


class Rouge:
    """Multi-reference mean ROUGE-1/2/Lsum F1 with the Porter stemmer."""

    def __init__(self) -> None:
        from rouge_score import rouge_scorer

        self.scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)

    def score(self, sentences: Sequence[str], references: Iterable[str]) -> tuple[float, ...]:
        """Mean F1 of (rouge1, rouge2, rougeLsum) over the references."""
        prediction = "\n".join(sentences)
        totals = [0.0, 0.0, 0.0]
        count = 0
        for reference in references:
            target = "\n".join(simple_sentences(reference))
            result = self.scorer.score(target, prediction)
            for i, key in enumerate(("rouge1", "rouge2", "rougeLsum")):
                totals[i] += result[key].fmeasure
            count += 1
        return tuple(t / max(1, count) for t in totals)


def evaluate(
    rows: Sequence[dict[str, object]],
    systems: dict[str, Callable[[dict[str, object]], Output]],
    *,
    show: int = 0,
) -> dict[str, Scores]:
    """Run every system over `rows` and score it."""
    rouge = Rouge()
    results = {name: Scores() for name in systems}
    for index, row in enumerate(rows):
        references = [str(r) for r in row["references"]]  # type: ignore[attr-defined]
        for name, system in systems.items():
            output = system(row)
            scores = results[name]
            r1, r2, rl = rouge.score(output.sentences, references)
            scores.rouge1.append(r1)
            scores.rouge2.append(r2)
            scores.rougeLsum.append(rl)
            scores.words.append(sum(len(s.split()) for s in output.sentences))
            scores.sentences.append(len(output.sentences))
            scores.seconds.append(output.seconds)
            scores.quotes.append(output.quotes)
            scores.quotes_verified.append(output.quotes_verified)
            scores.runins.append(sum(caption_runins(s) for s in output.sentences))
            scores.long_bullets.append(sum(len(s) > 220 for s in output.sentences))
            if index < show and name == "offline":
                print(f"\n## {row['id']}  R2={100 * r2:.1f}")
                for sentence in output.sentences:
                    flag = " [RUN-IN]" if caption_runins(sentence) else ""
                    print(f"  - {sentence}{flag}")
                for missing in output.missing:
                    print(f"  ! unverified quote: {missing}")
    return results
