"""Offline extractive summary built around key statements. Deterministic, pure Python, no models.

1. Split into sentences (sentencex) and drop fragments (headings, "Leave a Reply").
2. Score centrality with TextRank over TF-IDF cosine similarity, plus a small boost for words
   shared with the title and for the lead sentence.
3. Pick attributed statements first (a quote or a reporting verb: “…,” X said / said X /
   according to X / X stated), up to about half the bullets, then the most central other
   sentences; print them in article order as Markdown bullets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.errors import N_, InputError
from bot.models import Document, Length, Summary, SummaryOptions

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "summarise"
OFFLINE_VERSION = "offline-1"  # bump when the algorithm changes: it keys the summary cache
BULLETS: dict[Length, int] = {"short": 3, "medium": 5, "long": 8}
MIN_WORDS = 6
MAX_BULLET_CHARS = 400
SUBSTANTIAL_WORDS = 10  # content words a sentence needs to score fully
DAMPING = 0.85
ITERATIONS = 40

_WORDS = re.compile(r"\w+", re.UNICODE)
# A quotation in curly or straight double quotes (or guillemets); no nested quantifiers, so
# matching stays linear even on long sentences with an unclosed quote.
_QUOTE = re.compile(r"[“„«\"]([^“”„«»\"]*)[”»\"]")
MIN_QUOTE_WORDS = 3
_OPEN_QUOTE = re.compile(r"^[“„«\"]")


@cache
def _word_list(name: str) -> frozenset[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def attribution_verbs() -> frozenset[str]:
    """Reporting verbs ("said", "stated", "responded", …) from bot/data/summarise."""
    return _word_list("attribution_verbs.txt")


def stopwords() -> frozenset[str]:
    """English function words ignored for centrality."""
    return _word_list("stopwords_en.txt")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A candidate sentence, its position and whether it carries an attributed statement."""

    index: int
    text: str
    words: tuple[str, ...]
    quote: bool  # contains a quotation
    attributed: bool  # has a reporting verb ("said", "according to", ...)

    @property
    def statement(self) -> bool:
        """A key statement: someone is reported as saying something."""
        return self.attributed or (self.quote and len(self.words) >= MIN_WORDS)


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Sentences of `text` (paragraph breaks always end a sentence), whitespace-normalised."""
    import sentencex

    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        try:
            parts = list(sentencex.segment(language or "en", paragraph))
        except Exception:
            parts = [paragraph]
        sentences.extend(p.strip() for p in parts if p.strip())
    return _rejoin_quotes(sentences)


def _rejoin_quotes(sentences: list[str]) -> list[str]:
    """Glue a sentence that only carries the attribution back onto its quote ("…” he said.")."""
    out: list[str] = []
    verbs = attribution_verbs()
    for sentence in sentences:
        words = [w.lower() for w in _WORDS.findall(sentence)]
        if (
            out
            and len(words) <= 6
            and any(w in verbs for w in words)
            and not _OPEN_QUOTE.match(sentence)
            and sentence[:1].islower()
        ):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def has_quote(text: str) -> bool:
    """True when `text` quotes at least three words."""
    return any(len(m.group(1).split()) >= MIN_QUOTE_WORDS for m in _QUOTE.finditer(text))


def _analyse(sentences: list[str]) -> list[Sentence]:
    verbs = attribution_verbs()
    stop = stopwords()
    result: list[Sentence] = []
    for index, text in enumerate(sentences):
        tokens = [w.lower() for w in _WORDS.findall(text)]
        if len(tokens) < MIN_WORDS or not re.search(r"[.!?…”\"»:]\s*$", text):
            continue  # headings, bylines, "Leave a Reply", "Share this" …
        content = tuple(w for w in tokens if w not in stop and len(w) > 1 and not w.isdigit())
        attributed = any(w in verbs for w in tokens)
        result.append(
            Sentence(
                index=index,
                text=text,
                words=content,
                quote=has_quote(text),
                attributed=attributed,
            )
        )
    return result


def _centrality(sentences: list[Sentence], title: str) -> list[float]:
    """TextRank scores over TF-IDF cosine similarity, with title and lead boosts."""
    n = len(sentences)
    if n == 0:
        return []
    document_frequency: Counter[str] = Counter()
    for s in sentences:
        document_frequency.update(set(s.words))
    vectors: list[dict[str, float]] = []
    for s in sentences:
        counts = Counter(s.words)
        vector = {w: c * math.log(1 + n / document_frequency[w]) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a, b = vectors[i], vectors[j]
            if len(a) > len(b):
                a, b = b, a
            similarity = sum(v * b.get(w, 0.0) for w, v in a.items())
            weights[i][j] = weights[j][i] = similarity
    totals = [sum(row) or 1.0 for row in weights]
    scores = [1.0 / n] * n
    for _ in range(ITERATIONS):
        scores = [
            (1 - DAMPING) / n
            + DAMPING
            * sum(weights[j][i] / totals[j] * scores[j] for j in range(n) if weights[j][i])
            for i in range(n)
        ]
    stop = stopwords()
    title_words = {w.lower() for w in _WORDS.findall(title)} - stop
    boosted: list[float] = []
    for rank, (s, score) in enumerate(zip(sentences, scores, strict=True)):
        overlap = len(title_words & set(s.words)) / len(title_words) if title_words else 0.0
        lead = 0.5 if rank == 0 else 0.0
        # Short sentences share rare words easily and say little on their own.
        substance = min(1.0, len(s.words) / SUBSTANTIAL_WORDS) ** 2
        boosted.append(score * n * (1.0 + overlap + lead) * substance)
    return boosted


_INNER_SENTENCE_END = re.compile(r"[.!?](?=\s)")


def _shorten(text: str, limit: int = MAX_BULLET_CHARS) -> str:
    """Cap a bullet, preferring a sentence end inside it; the kept part stays exact."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _INNER_SENTENCE_END.finditer(text, 0, limit) if m.end() > limit // 3]
    if ends:
        cut = ends[-1]
    else:
        space = text.rfind(" ", 0, limit)
        cut = space if space > limit // 2 else limit
    kept = text[:cut].rstrip(" ,;:")
    # Close a quotation the cut left open, so the shortened quote still reads as one.
    closing = "”" if kept.count("“") > kept.count("”") else ""
    return f"{kept} …{closing}"


def select_sentences(text: str, title: str, length: Length, language: str = "en") -> list[str]:
    """The chosen sentences in article order: attributed statements first, then central ones."""
    candidates = _analyse(split_sentences(text, language))
    if not candidates:
        return []
    wanted = BULLETS[length]
    scores = _centrality(candidates, title)
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i].index))
    statement_quota = math.ceil(wanted / 2)
    # Direct quotes with a speaker are the most valuable statements, then reported speech.
    statements = sorted(
        (i for i in order if candidates[i].statement),
        key=lambda i: not (candidates[i].quote and candidates[i].attributed),
    )
    chosen: list[int] = statements[:statement_quota]
    for i in order:
        if len(chosen) >= wanted:
            break
        if i not in chosen:
            chosen.append(i)
    return [candidates[i].text for i in sorted(chosen, key=lambda i: candidates[i].index)]


class OfflineSummariser:
    """Extractive summary without any model: key statements and central sentences."""

    name = "offline"
    prompt_version = OFFLINE_VERSION

    def __init__(self, *, sentence_language: str = "en") -> None:
        # sentencex rules for this language split sentences; "en" works for most Latin text.
        self.sentence_language = sentence_language

    async def summarise(self, document: Document, options: SummaryOptions) -> Summary:
        """Summarise `document` as Markdown bullets; deterministic for the same input."""
        return self.summarise_sync(document, options)

    async def aclose(self) -> None:
        """Nothing to close; present so every summariser can be closed the same way."""

    def summarise_sync(self, document: Document, options: SummaryOptions) -> Summary:
        """The same as `summarise`, for callers without an event loop (benchmarks)."""
        text = document.text
        title = document.title
        # A text whose first line is the title (pasted articles) should not repeat it.
        if title and text.lstrip().startswith(title):
            text = text.lstrip()[len(title) :]
        sentences = select_sentences(text, title, options.length, self.sentence_language)
        if not sentences:
            # Too short to select from: the text itself is the summary.
            fallback = " ".join(text.split())
            if not fallback:
                raise InputError(N_("There is no text to summarise."))
            sentences = [fallback]
        bullets = "\n".join(f"- {_shorten(s)}" for s in sentences)
        # A msgid: the Telegram front end shows notes translated.
        note = (
            N_("The offline summary is in the article's own language.") if options.language else ""
        )
        return Summary(
            text=bullets,
            model="offline",
            prompt_version=OFFLINE_VERSION,
            language=options.language,
            length=options.length,
            note=note,
        )
