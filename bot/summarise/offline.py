"""Offline extractive summary built around key statements. Deterministic, pure Python, no models.

1. Segment: sentencex sentences, then cut out what pages put between sentences (caption cues,
   "Scroll down for video", photo credits) and split where a caption runs into the next sentence
   with no full stop ("… on her life The wealthy businessman …"). Fragments without a sentence
   end, credit lines and boilerplate are not candidates.
2. Score every candidate sentence: news is written lead-first, so position weighs most; then
   centrality (TF-IDF cosine with the whole article); then a prior for a readable length and a
   bonus for a statement someone is reported as making ("…,” X said / said X / according to X).
   Questions, bare quotes without a speaker, and sentences opening on a connective that needs the
   sentence before ("And that's when …") are held back.
3. Pick the best sentences that are not near-duplicates, within a word budget per length, make
   sure at least one reported statement is among them when the article has a good one, and print
   them in article order as Markdown bullets, each capped at about 220 characters.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.errors import InputError
from bot.models import Document, Length, Summary, SummaryOptions
from bot.summarise.quotes import find_quotes

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "summarise"
OFFLINE_VERSION = "offline-2"  # bump when the algorithm changes: it keys the summary cache
BULLETS: dict[Length, int] = {"short": 3, "medium": 5, "long": 8}
# Words a summary may use, so "short" stays short even when the lead sentences are long.
WORD_BUDGET: dict[Length, int] = {"short": 60, "medium": 170, "long": 270}
MIN_WORDS = 6
MAX_BULLET_CHARS = 220
# A short summary keeps each statement's core: long lead sentences are cut at a clause break.
BULLET_CHARS: dict[Length, int] = {
    "short": 180,
    "medium": MAX_BULLET_CHARS,
    "long": MAX_BULLET_CHARS,
}
MAX_SENTENCE_CHARS = 2000
MAX_CANDIDATES = 400  # sentences considered for a very long text (the lead carries the news)
SIMILAR = 0.55  # cosine above which a sentence repeats one already chosen (captions often do)
IDEAL_WORDS = (12, 35)  # sentence lengths that read well as one bullet
# Scoring weights (see `_scores`).
POSITION_DECAY = 1.0  # position weight 1 / (1 + rank) ** decay
CENTRALITY_WEIGHT = 1.0
TITLE_WEIGHT = 0.5
LONG_PENALTY = 1.5  # exponent of (high / words) past the ideal length
ATTRIBUTED = 1.05  # a reported statement with its speaker
QUOTE_ONLY = 0.7  # a quote without a speaker is colour more often than news
QUESTION = 0.4

_WORDS = re.compile(r"\w+", re.UNICODE)
MIN_QUOTE_WORDS = 3
_OPEN_QUOTE = re.compile(r"^(?:[“„«\"‘]|``|'(?=\s?\w))")
# A sentence ends with end punctuation, maybe followed by closing quotes or a bracket.
_SENTENCE_END = re.compile(r"(?:[.!?…。！？]|[.!?…]\s?(?:''|[\"”’'»)]))\s*$|[”»\"]\s*$|''\s*$")

# A caption glued to the next sentence: a lowercase word, no punctuation, then a word that opens
# sentences (never a name), then a lowercase word: "… on her life The wealthy businessman …".
_RUN_IN_OPENERS = (
    "The|A|An|He|She|They|His|Her|Their|Its|This|These|Those|It|We|But|However|Meanwhile|"
    "Police|Officers|Now|Yesterday|Earlier|Later|According"
)
_RUN_IN = re.compile(rf"(?<=[a-z0-9%)])\s+(?=(?:{_RUN_IN_OPENERS})\s+[a-z0-9])")
_LOWER_WORD_END = re.compile(r"(?:^|\s)[a-z0-9][\w'’-]*\)?$")
# Words after which a capitalised "The"/"A" is a title or name, not a new sentence.
_TITLE_CONTEXT = frozenset(
    "to of by from in on at for with about as into onto and or nor said says say told tells read "
    "reads called named dubbed titled entitled via than like watch watched see saw plan grade "
    "vitamin type class section part act chapter".split()
)
_PREVIOUS_WORD = re.compile(r"([A-Za-z']+)\)?\s*$")
# Photo-desk words: a sentence holding one is a caption ("Smith (left) with …", "pictured").
_CAPTION_CUE = re.compile(
    r"\((?:[^()]{0,40}\s)?(?:pictured|left|right|centre|center|above|below|top|bottom|inset|"
    r"file photo|file picture|stock image)(?![\w-])[^()]{0,40}\)|\bpictured\b",
    re.IGNORECASE,
)


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


@cache
def _connective() -> re.Pattern[str]:
    phrases = sorted(_word_list("connectives.txt"), key=len, reverse=True)
    words = "|".join(re.escape(p).replace("'", "['’]").replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf"^[\"“‘'`]*\s*(?:{words})(?=[\s,])", re.IGNORECASE)


@cache
def _non_article() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(cut, drop) patterns from bot/data/summarise/non_article.txt."""
    sections: dict[str, list[str]] = {"cut": [], "drop": []}
    section = "drop"
    for raw in (DATA_DIR / "non_article.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("[cut]", "[drop]"):
            section = line[1:-1]
            continue
        sections[section].append(line.replace(" ", r"\s+"))
    cut = re.compile(r"\b(?:" + "|".join(sections["cut"]) + r")(?!\w)", re.IGNORECASE)
    drop = re.compile(r"(?:" + "|".join(sections["drop"]) + r")\s*", re.IGNORECASE)
    return cut, drop


@dataclass(frozen=True, slots=True)
class Sentence:
    """A candidate sentence, its position and whether it carries an attributed statement."""

    index: int
    text: str
    words: tuple[str, ...]
    quote: bool  # contains a quotation
    attributed: bool  # has a reporting verb ("said", "according to", ...)
    length: int = 0  # all words, for the length prior and the budget

    @property
    def statement(self) -> bool:
        """A key statement: someone is reported as saying something."""
        return self.attributed


def _split_run_ins(sentence: str) -> list[str]:
    """Split where a caption runs into the next sentence without a full stop."""
    parts: list[str] = []
    start = 0
    for match in _RUN_IN.finditer(sentence):
        previous = _PREVIOUS_WORD.search(sentence, start, match.start())
        if previous is None or previous.group(1).lower() in _TITLE_CONTEXT:
            continue
        if not _LOWER_WORD_END.search(sentence, start, match.start()):
            continue  # "Serie A on Saturday": after a capitalised word it is a name
        parts.append(sentence[start : match.start()].strip())
        start = match.end()
    parts.append(sentence[start:].strip())
    return [p for p in parts if p]


# A sentence end sentencex missed, typically beside a stray quote mark it read as an open quote.
_MISSED_END = re.compile(r"(?<=[.!?])((?:\s?(?:''|[\"”’']))?)\s+(?=(?:``|[\"“‘'(])?\s?[A-Z0-9])")
_ABBREVIATION = frozenset(
    "mr mrs ms dr prof st sen rep gov gen col lt sgt capt cpl jr sr inc ltd co corp vs etc no nos "
    "mt ft fig jan feb mar apr jun jul aug sep sept oct nov dec rev hon est approx dept univ".split()
)
_LAST_TOKEN = re.compile(r"(\S+)[.!?]$")
# An opening quote left at the end of a sentence belongs to the next one ("… window. 'The").
_TRAILING_OPEN = re.compile(r"\s((?:``|[\"“‘'])\s?)$")


_CJK_END = re.compile(r"(?<=[。！？])")  # Chinese and Japanese end sentences without a space
_STRAIGHT_SINGLE = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")


def _resplit(sentence: str) -> list[str]:
    """Split at sentence ends sentencex left joined, keeping abbreviations and initials whole.

    Only where the quote marks are ambiguous (straight single quotes, `` '', unpaired curly
    quotes): sentencex rightly keeps a well-marked multi-sentence quote together.
    """
    if not (
        _STRAIGHT_SINGLE.search(sentence)
        or "``" in sentence
        or sentence.count("“") != sentence.count("”")
    ):
        return [sentence]
    parts: list[str] = []
    start = 0
    for match in _MISSED_END.finditer(sentence):
        end = match.start()
        token = _LAST_TOKEN.search(sentence, start, end)
        if token is not None:
            word = token.group(1).strip("(\"'“‘")
            if len(word) <= 1 or "." in word or word.lower() in _ABBREVIATION:
                continue
        parts.append(sentence[start : match.end(1)].strip())
        start = match.end()
    parts.append(sentence[start:].strip())
    return [p for p in parts if p]


# A closing quote at the start of a sentence belongs to the one before ("necessary. ' Williams").
_LEADING_CLOSE = re.compile(r"^(''|[”’]|['\"](?=\s))\s*")


def _unclosed(text: str, mark: str) -> bool:
    """True when `text` leaves a quote opened with `mark` (' or ") unclosed."""
    standalone = sum(
        1
        for i, char in enumerate(text)
        if char == mark
        and not (0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum())
        and not (i > 0 and text[i - 1] in "sS" and mark == "'" and text[i + 1 : i + 2] == " ")
    )
    return standalone % 2 == 1


def _move_open_quotes(sentences: list[str]) -> list[str]:
    """Give a stray quote mark back to the sentence it opens or closes."""
    out: list[str] = []
    carry = ""
    for sentence in sentences:
        sentence = carry + sentence
        carry = ""
        lead = _LEADING_CLOSE.match(sentence)
        if lead and out and (lead.group(1) in ("''", "”") or _unclosed(out[-1], lead.group(1))):
            out[-1] = f"{out[-1]} {lead.group(1)}"
            sentence = sentence[lead.end() :]
        match = _TRAILING_OPEN.search(sentence)
        mark = match.group(1).strip() if match else ""
        if match and (mark in ("“", "‘", "``") or _unclosed(sentence, mark)):
            carry = mark
            sentence = sentence[: match.start()].rstrip()
        if sentence:
            out.append(sentence)
    return out


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Sentences of `text` (paragraph breaks always end one), captions and cues cut apart."""
    import sentencex

    cut, _ = _non_article()
    sentences: list[str] = []
    # A paragraph break ends a sentence, and so does a list item: an inline list is never
    # flattened into one sentence ("also said: - The UK must … - He would …").
    for paragraph in (
        _LIST_MARKER.sub("", block)
        for part in re.split(r"\n\s*\n", text)
        for block in _LIST_ITEM.split(part)
    ):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        try:
            parts = list(sentencex.segment(language or "en", paragraph))
        except Exception:
            parts = [paragraph]
        for part in (piece for p in parts for q in _CJK_END.split(p) for piece in _resplit(q)):
            start = 0
            for match in cut.finditer(part):
                sentences.extend(_split_run_ins(part[start : match.start()].strip()))
                start = match.end()
            sentences.extend(_split_run_ins(part[start:].strip()))
    return _rejoin_quotes(_move_open_quotes([s for s in sentences if s]))


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
    return any(
        len(q.text.split()) >= MIN_QUOTE_WORDS
        and q.open_start < q.inner_start  # both marks present: a quote, not a stray mark
        and q.inner_end < q.close_end
        for q in find_quotes(text)
    )


def is_candidate(text: str) -> bool:
    """A sentence of the article proper: long enough, ended, not a credit or boilerplate line."""
    if len(text) > MAX_SENTENCE_CHARS:
        return False  # no news sentence is this long: a run of text without punctuation
    words = _WORDS.findall(text)
    # Scripts without spaces between words (Chinese, Japanese) count characters instead.
    count = max(len(words), sum(len(w) for w in words if not w.isascii()) // 3)
    if count < MIN_WORDS or not _SENTENCE_END.search(text):
        return False  # headings, bylines, captions without a full stop, "Share this" …
    if _CAPTION_CUE.search(text):
        return False
    _, drop = _non_article()
    return drop.fullmatch(text) is None and _connective().match(text) is None


def _analyse(sentences: list[str]) -> list[Sentence]:
    verbs = attribution_verbs()
    stop = stopwords()
    result: list[Sentence] = []
    for index, text in enumerate(sentences):
        if len(result) >= MAX_CANDIDATES:
            break
        if not is_candidate(text):
            continue
        tokens = [w.lower() for w in _WORDS.findall(text)]
        content = tuple(w for w in tokens if w not in stop and len(w) > 1 and not w.isdigit())
        attributed = any(w in verbs for w in tokens) or "according to" in text.lower()
        result.append(
            Sentence(
                index=index,
                text=text,
                words=content,
                quote=has_quote(text),
                attributed=attributed,
                length=len(text.split()),
            )
        )
    return result


def _vectors(sentences: list[Sentence]) -> tuple[list[dict[str, float]], dict[str, float]]:
    """Unit TF-IDF vectors of the sentences and of the whole text (the centroid)."""
    n = len(sentences)
    document_frequency: Counter[str] = Counter()
    for s in sentences:
        document_frequency.update(set(s.words))
    idf = {w: math.log(1 + n / df) for w, df in document_frequency.items()}
    vectors: list[dict[str, float]] = []
    for s in sentences:
        vectors.append(_unit({w: c * idf[w] for w, c in Counter(s.words).items()}))
    totals: Counter[str] = Counter()
    for s in sentences:
        totals.update(s.words)
    centroid = _unit({w: c * idf[w] for w, c in totals.items()})
    return vectors, centroid


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {w: v / norm for w, v in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def _scores(sentences: list[Sentence], vectors: list[dict[str, float]], centroid, title: str):  # type: ignore[no-untyped-def]
    """Position first, then centrality, length and attribution; higher is better."""
    stop = stopwords()
    title_words = {w.lower() for w in _WORDS.findall(title)} - stop
    scores: list[float] = []
    for rank, (s, vector) in enumerate(zip(sentences, vectors, strict=True)):
        position = 1.0 / (1.0 + rank) ** POSITION_DECAY
        centrality = CENTRALITY_WEIGHT * _cosine(vector, centroid)
        overlap = len(title_words & set(s.words)) / len(title_words) if title_words else 0.0
        low, high = IDEAL_WORDS
        if s.length < low:
            fit = (s.length / low) ** 2
        elif s.length > high:
            fit = (high / s.length) ** LONG_PENALTY
        else:
            fit = 1.0
        kind = 1.0
        if s.attributed:
            kind = ATTRIBUTED
        elif s.quote or _OPEN_QUOTE.match(s.text):
            kind = QUOTE_ONLY
        if s.text.rstrip(" '\"”’").endswith("?"):
            kind *= QUESTION
        scores.append((position + centrality + TITLE_WEIGHT * overlap) * fit * kind)
    return scores


# A dateline before the lead: "(CNN)", "Rome (CNN) --", "WASHINGTON (Reuters) -", "LONDON —".
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){0,3},?\s*)?"
    r"\((?:CNN|AP|AFP|Reuters|Bloomberg|UPI|dpa|CNN Money|EW\.com|Mashable)\)\s*(?:--|[-–—:])?\s*"
    r"|^\s*[A-Z][A-Z .,'’-]{2,40}\s(?:--|[–—])\s+(?=[A-Z])"
)


def strip_dateline(text: str) -> str:
    """The text without a leading dateline ("Rome (CNN) --", "LONDON —"); it is no statement."""
    return _DATELINE.sub("", text, count=1)


def select_sentences(text: str, title: str, length: Length, language: str = "en") -> list[str]:
    """The chosen sentences in article order: lead, central and attributed statements."""
    candidates = _analyse(split_sentences(strip_dateline(text), language))
    if not candidates:
        return []
    wanted, budget = BULLETS[length], WORD_BUDGET[length]
    vectors, centroid = _vectors(candidates)
    scores = _scores(candidates, vectors, centroid, title)
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i].index))
    chosen: list[int] = []
    used = 0
    for i in order:
        if len(chosen) >= wanted:
            break
        words = len(_shorten(candidates[i].text, BULLET_CHARS[length]).split())
        if chosen and used + words > budget:
            if len(chosen) >= wanted - 1:
                break  # a later, weaker sentence that happens to be short is no better
            continue
        if any(_cosine(vectors[i], vectors[j]) > SIMILAR for j in chosen):
            continue
        chosen.append(i)
        used += words
    if length != "short":  # a short summary keeps the lead's facts: every word counts there
        _ensure_statement(chosen, order, candidates, vectors)
    return [candidates[i].text for i in sorted(chosen, key=lambda i: candidates[i].index)]


def _ensure_statement(
    chosen: list[int], order: list[int], candidates: list[Sentence], vectors: list[dict[str, float]]
) -> None:
    """Who said what: when no chosen sentence reports a statement, the best-scored one replaces
    the last pick (never the lead)."""
    if len(chosen) < 2 or any(candidates[i].statement for i in chosen):
        return
    for i in order:
        if i in chosen or not candidates[i].statement:
            continue
        if any(_cosine(vectors[i], vectors[j]) > SIMILAR for j in chosen):
            continue
        chosen[-1] = i
        return


_INNER_SENTENCE_END = re.compile(r"[.!?](?=\s)")
_CLAUSE = re.compile(
    r"(?:,|;|\s[-–—])\s+(?=(?:who|which|where|while|whilst|after|as|but|and|with|including|when|"
    r"because|although|though|before|despite|amid|following|having|leaving|meaning|saying|adding|"
    r"until|since|if|so|than|then|in|at|on|for|from|to|during|over)\b)",
)


def _shorten(text: str, limit: int | None = None) -> str:
    """Cap a bullet at a sentence end or a clause break; the kept part stays exact.

    `limit` is soft: a sentence with no break before it is kept whole up to MAX_BULLET_CHARS,
    and only cut at a word past that.
    """
    limit = min(limit or MAX_BULLET_CHARS, MAX_BULLET_CHARS)
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _INNER_SENTENCE_END.finditer(text, 0, limit) if m.end() > limit // 2]
    clauses = [m.start() for m in _CLAUSE.finditer(text, 0, limit) if m.start() > limit // 2]
    if ends:
        cut = ends[-1]
    elif clauses:
        cut = clauses[-1]
    elif len(text) <= MAX_BULLET_CHARS:
        return text
    elif limit < MAX_BULLET_CHARS:
        return _shorten(text, MAX_BULLET_CHARS)
    else:
        space = text.rfind(" ", 0, limit - 2)
        cut = space if space > limit // 2 else limit - 2
    kept = text[:cut].rstrip(" ,;:-–—")
    # Close a quotation the cut left open, so the shortened quote still reads as one.
    closing = "”" if kept.count("“") > kept.count("”") else ""
    return f"{kept} …{closing}"


# "said Locke" / "Locke said": a lone capitalised surname next to a reporting verb.
_REPORTING = "said|says|added|told|explained|insisted|claimed|warned|admitted|stated"
_SURNAME_SPEAKER = re.compile(
    rf"\b(?:{_REPORTING})\s+(?P<after>[A-Z][a-z'’-]+)\b(?!\s+[A-Z])"
    rf"|(?<!\w)(?P<before>[A-Z][a-z'’-]+)\s+(?:{_REPORTING})\b"
)
_PREVIOUS_TOKEN = re.compile(r"(\S+)\s+$")
_NOT_GIVEN_NAME = frozenset(
    "the a an he she it they we i mr mrs ms miss dr sir lady lord president prime minister "
    "coach manager boss chief officer detective sergeant captain general judge senator governor "
    "mayor professor king queen prince princess pope saint st new north south east west "
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday but and or so if when while".split()
)


def resolve_speaker(bullet: str, text: str) -> str:
    """ "said Locke" → "said Gary Locke" when exactly one full name ending in Locke is in the text."""
    match = _SURNAME_SPEAKER.search(bullet)
    if match is None:
        return bullet
    surname = match.group("after") or match.group("before")
    if surname.lower() in _NOT_GIVEN_NAME or surname.lower() in attribution_verbs():
        return bullet
    if match.group("before"):
        previous = _PREVIOUS_TOKEN.search(bullet, 0, match.start("before"))
        if previous and previous.group(1)[:1].isupper() and previous.group(1)[-1].isalpha():
            return bullet  # "Mr Locke said", "Gary Locke said": named already
    given = {
        m.group(1)
        for m in re.finditer(rf"\b([A-Z][a-z'’-]+)\s+{re.escape(surname)}\b", text)
        if m.group(1).lower() not in _NOT_GIVEN_NAME
    }
    if len(given) != 1:
        return bullet  # unknown, or two people share the surname: leave it
    full = f"{given.pop()} {surname}"
    if full in bullet:
        return bullet
    start, end = match.span("after") if match.group("after") else match.span("before")
    if any(q.open_start <= start < q.close_end for q in find_quotes(bullet)):
        return bullet  # never inside a quotation: quoted words stay exactly as printed
    return f"{bullet[:start]}{full}{bullet[end:]}"


_LIST_MARKER = re.compile(r"^\s*(?:[-*•·‣▪–—]|\d{1,3}[.)]|[a-z][.)])\s+")
_LIST_ITEM = re.compile(r"\n(?=\s*(?:[-*•·‣▪–—]|\d{1,3}[.)])\s+\S)")


def fallback_lines(text: str, wanted: int) -> list[str]:
    """The first `wanted` non-empty lines, list markers dropped: for a text without sentences."""
    lines = (_LIST_MARKER.sub("", line).strip() for line in text.splitlines())
    return [" ".join(line.split()) for line in lines if _WORDS.search(line)][:wanted]


class OfflineSummariser:
    """Extractive summary without any model: key statements and central sentences."""

    name = "offline"
    prompt_version = OFFLINE_VERSION

    def __init__(self, *, sentence_language: str = "en") -> None:
        # sentencex rules for this language split sentences; "en" works for most Latin text.
        self.sentence_language = sentence_language

    async def summarise(
        self, document: Document, options: SummaryOptions, *, allowance: object = None
    ) -> Summary:
        """Summarise `document` as Markdown bullets; deterministic for the same input (free, so
        `allowance` is not touched)."""
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
            # Nothing reads as a sentence (a list, a fragment): its first lines are the summary,
            # one bullet each, never flattened into one.
            sentences = fallback_lines(text, BULLETS[options.length])
            if not sentences:
                raise InputError("There is no text to summarise.")
        limit = BULLET_CHARS[options.length]
        bullets = "\n".join(f"- {_shorten(resolve_speaker(s, text), limit)}" for s in sentences)
        note = "The offline summary is in the article's own language." if options.language else ""
        return Summary(
            text=bullets,
            model="offline",
            prompt_version=OFFLINE_VERSION,
            language=options.language,
            length=options.length,
            note=note,
        )
