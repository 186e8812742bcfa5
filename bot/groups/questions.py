"""Questions about an article, answered offline from its own sentences. Pure.

The question's content words (lowercased, with a light suffix stripping so "voted" finds "vote")
are matched against each sentence with BM25 weights; the two or three best sentences are the
answer, in article order. When no sentence shares enough with the question, the article does not
answer it, and the caller says so instead of guessing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.summarise.offline import stopwords

MAX_SENTENCES = 3
# The best sentence must either score this much or hold this share of the question's words;
# otherwise it shares only incidental words with the question.
MIN_SCORE = 1.2
MIN_COVERAGE = 0.5
K1, B = 1.2, 0.75
QUESTION_WORDS = frozenset(
    "what who whom whose when where why how which did does do is are was were will would can "
    "could should say said tell about article much many".split()
)

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’»)]*\s+(?=[\"“‘«(]?[A-Z0-9À-ÖØ-Þ])")
_SUFFIXES = ("ing", "ed", "es", "s")


@dataclass(frozen=True, slots=True)
class Answer:
    """The best-matching sentences (article order), or none when the article does not say."""

    sentences: tuple[str, ...]

    @property
    def found(self) -> bool:
        """Whether the article answers the question."""
        return bool(self.sentences)


def stem(word: str) -> str:
    """A crude English stem: enough to match "votes"/"voted"/"voting" with "vote"."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) >= len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)].rstrip("e")
    return word.rstrip("e") if len(word) >= 4 else word


def _terms(text: str) -> list[str]:
    common = stopwords()
    return [
        stem(w)
        for w in _WORD.findall(text)
        if w.lower() not in common and w.lower() not in QUESTION_WORDS and len(w) > 1
    ]


def split_sentences(text: str) -> list[str]:
    """Sentences of a cleaned article: paragraphs split at sentence ends."""
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            sentences.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return sentences


def answer_offline(question: str, article: str, limit: int = MAX_SENTENCES) -> Answer:
    """The sentences of `article` that best answer `question`, or an empty Answer."""
    wanted = set(_terms(question))
    sentences = split_sentences(article)
    if not wanted or not sentences:
        return Answer(())
    bags = [Counter(_terms(s)) for s in sentences]
    lengths = [sum(bag.values()) for bag in bags]
    average = sum(lengths) / len(lengths) or 1.0
    documents = Counter(term for bag in bags for term in bag.keys() if term in wanted)
    total = len(sentences)

    def score(index: int) -> float:
        bag, length = bags[index], lengths[index]
        value = 0.0
        for term in wanted:
            tf = bag.get(term, 0)
            if tf:
                idf = math.log(1 + (total - documents[term] + 0.5) / (documents[term] + 0.5))
                value += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        return value

    scored = sorted(((score(i), i) for i in range(total)), key=lambda item: (-item[0], item[1]))
    best, top = scored[0]
    coverage = len(wanted & bags[top].keys()) / len(wanted)
    if best <= 0 or (best < MIN_SCORE and coverage < MIN_COVERAGE):
        return Answer(())
    # Keep sentences close to the best one; a weak third sentence only adds noise.
    chosen = [i for value, i in scored[:limit] if value >= best * 0.5]
    return Answer(tuple(sentences[i] for i in sorted(chosen)))
