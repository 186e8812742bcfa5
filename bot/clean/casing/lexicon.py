"""Casing: the resources under bot/data/ (vocabulary, lexicon, acronyms, phrases, titles)."""

from __future__ import annotations

import re
import zlib
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from bot.clean.casing.tokens import KIND_ACRONYM, KIND_CASING
from bot.clean.casing.words import ABBREVIATIONS, PREFIXES, SUFFIXES, VOWELS

ENGLISH_RATIO = 0.7  # share of lowercase words in the vocabulary for a document to be English


TOP_WORDS = 250


COMMON_WORDS = 3000  # the most frequent vocabulary words never continue a name after a first name


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Casing resources, loaded once per process."""

    vocab: array  # sorted CRC-32s of ordinary lowercase words (compact: ~0.4 MB for ~100k words)
    common: frozenset[str]
    very_common: frozenset[str]
    top_words: frozenset[str]  # function words and the like: never a surname ("John said")
    regions: frozenset[tuple[str, ...]]  # countries and states, as lowercase word tuples
    entries: dict[str, tuple[str, str]]  # key → (cased form, flags)
    acronyms: dict[str, str]  # key → form ("nato" → "NATO", "us" (dotted) → "U.S.")
    dotted: dict[str, str]  # letters → dotted form ("us" → "U.S.")
    # (first word,) or (first, second word) → phrases starting so, longest first
    phrases: dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...]]]]
    phrase_starts: frozenset[str]  # first words of the phrases
    titles: frozenset[tuple[str, ...]]
    title_max: int
    title_ends: frozenset[str]  # last words of titles, without a period
    org_words: frozenset[str]
    single_names: frozenset[tuple[str, ...]]
    teams: frozenset[str]  # team nicknames ("browns"): the team wherever the text names it once
    genera: frozenset[str]  # Latin genus names, lowercase ("yersinia")
    epithets: frozenset[str]  # species words that are no English words ("pestis")


def _lines(name: str) -> list[str]:
    """Non-comment, non-blank lines of a package data file."""
    text = resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _teams() -> frozenset[str]:
    """The team nicknames section of casing_org_words.txt (after its "# Team nicknames" line)."""
    text = resources.files("bot.data").joinpath("casing_org_words.txt").read_text(encoding="utf-8")
    section = text.split("# Team nicknames", 1)[-1] if "# Team nicknames" in text else ""
    return frozenset(
        line.strip() for line in section.splitlines() if line.strip() and line[0] != "#"
    )


def _crc(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


@cache
def load_lexicon() -> Lexicon:
    """Load the casing resources from bot/data/ (cached: once per process)."""
    words = _lines("casing_vocab.txt")
    vocab = array("I", sorted({_crc(w) for w in words + _lines("casing_words.txt")}))
    entries: dict[str, tuple[str, str]] = {}
    for line in _lines("casing_lexicon.tsv"):
        key, form, *flags = line.split("\t")
        entries[key] = (form, flags[0] if flags else "")
    acronyms: dict[str, str] = {}
    dotted: dict[str, str] = {}
    for form in _lines("casing_acronyms.txt"):
        if "." in form:
            dotted[form.replace(".", "").lower()] = form
        else:
            acronyms[_norm(form.lower())] = form
    phrases: dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    # Curated lists before WordNet's names: of two phrases of the same length, the first wins.
    for line in (
        _lines("casing_places.txt") + _lines("casing_phrases.txt") + _lines("casing_wordnet.txt")
    ):
        forms = tuple(re.split(r"[ -]", line))
        keys = tuple(_norm(f.lower()) for f in forms)
        phrases.setdefault(keys[:2], []).append((keys, forms))
    for options in phrases.values():
        options.sort(key=lambda p: -len(p[0]))  # longest match first
    titles = frozenset(tuple(line.lower().split()) for line in _lines("casing_titles.txt"))
    binomials = [line.lower().split() for line in _lines("casing_binomials.txt")]
    return Lexicon(
        vocab=vocab,
        common=frozenset(words[:COMMON_WORDS]),
        very_common=frozenset(words[: COMMON_WORDS // 2]),
        top_words=frozenset(words[:TOP_WORDS]),
        regions=frozenset(
            tuple(_norm(w) for w in re.split(r"[ -]", line.lower()))
            for line in _lines("casing_regions.txt")
        ),
        entries=entries,
        acronyms=acronyms,
        dotted=dotted,
        phrases=phrases,
        phrase_starts=frozenset(keys[0] for keys in phrases),
        titles=titles,
        title_max=max(len(t) for t in titles),
        title_ends=frozenset(t[-1].rstrip(".") for t in titles),
        org_words=frozenset(w.lower() for w in _lines("casing_org_words.txt")),
        teams=_teams(),
        single_names=frozenset(
            (_norm(line.lower()),) for line in _lines("casing_phrases.txt") if " " not in line
        ),
        genera=frozenset(genus for genus, _ in binomials),
        epithets=frozenset(species for _, species in binomials),
    )


def _norm(word: str) -> str:
    return word.replace("’", "'") if "’" in word else word


@lru_cache(maxsize=1 << 16)
def _name_like(key: str) -> bool:
    """A lowercase word that the lexicon would capitalise on its own."""
    lex = load_lexicon()
    return (
        not _vocab_has(key)
        or key in lex.acronyms
        or "N" in lex.entries.get(key, ("", ""))[1]
        or (key,) in lex.single_names
    )


@lru_cache(maxsize=1 << 16)
def _vocab_has(key: str) -> bool:
    """Whether `key` is an ordinary English word (memoised: documents repeat their words)."""
    vocab = load_lexicon().vocab
    crc = _crc(key)
    index = bisect_left(vocab, crc)
    return index < len(vocab) and vocab[index] == crc


@lru_cache(maxsize=1 << 16)
def _lexical_word_form(key: str) -> tuple[str | None, str, bool]:
    """`_word_form` from the resources alone (memoised: the same in every document), and whether
    the document's own mixed-case spelling of the word would take precedence."""
    form, flags = load_lexicon().entries.get(key, ("", ""))
    if "N" in flags:
        return form, KIND_CASING, False
    if len(key) < 2 or _vocab_has(key) or _derived_word(key):
        return None, KIND_CASING, False
    if form:
        return form, KIND_CASING, True
    if len(key) <= 5 and not any(ch in VOWELS for ch in key) and key not in ABBREVIATIONS:
        return key.upper(), KIND_ACRONYM, True  # "vw", "bgr", "pff": letters that are no word
    if key.startswith("mc") and len(key) > 4:
        return "Mc" + key[2].upper() + key[3:], KIND_CASING, True  # McFee, McConnell
    if key.startswith("o'") and len(key) > 3:
        return "O'" + key[2].upper() + key[3:], KIND_CASING, True  # O'Brien
    return key[0].upper() + key[1:], KIND_CASING, True


@lru_cache(maxsize=1 << 14)
def _derived_word(key: str) -> bool:
    """An ordinary word the vocabulary lacks but whose stem it has: "wirelessly", "impactful",
    "customizable", "declutter". Names rarely split into a prefix or suffix and an English word."""
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 4:
            stem = key[: -len(suffix)]
            options = (stem, stem + "e", stem[:-1] + "y" if stem.endswith("i") else stem)
            if stem[-1] == stem[-2]:
                options += (stem[:-1],)  # "stopped" → "stop"
            if any(_vocab_has(option) for option in options):
                return True
    for prefix in PREFIXES:
        if key.startswith(prefix) and len(key) - len(prefix) >= 5:
            rest = key[len(prefix) :]
            if _vocab_has(rest) or _derived_word(rest):
                return True
    return False
