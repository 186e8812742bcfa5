"""Casing: the small word lists the rules test against (closed classes and cue words).

The words live in bot/data/casing_cues.txt; punctuation sets stay here, next to their use."""

from __future__ import annotations

from importlib import resources


def _sections() -> dict[str, list[str]]:
    """The [NAME] lists of casing_cues.txt, words in file order."""
    text = resources.files("bot.data").joinpath("casing_cues.txt").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        else:
            current.extend(line.split())
    return sections


_SECTIONS = _sections()


def _set(name: str) -> frozenset[str]:
    return frozenset(_SECTIONS[name])


def _ordered(name: str) -> tuple[str, ...]:
    return tuple(_SECTIONS[name])


CONTRACTIONS = _set("CONTRACTIONS")

ABBREVIATIONS = _set("ABBREVIATIONS")

VOWELS = frozenset("aeiouyàáâãäåèéêëìíîïòóôõöùúûüý")

SUFFIXES = _ordered("SUFFIXES")

PREFIXES = _ordered("PREFIXES")

FUNCTION_WORDS = _set("FUNCTION_WORDS")

COUNTRY_OR_THING = _set("COUNTRY_OR_THING")

DETERMINERS = _set("DETERMINERS")

LOWER_IN_NAMES = _set("LOWER_IN_NAMES")

TITLE_BREAKS = (":", "|", "—", "–", "-", "?", "!", ".", "“", '"', "'", "‘", "[", "(")

STARTERS = _set("STARTERS")

LABELS = _set("LABELS")

CAPITAL_LABELS = _set("CAPITAL_LABELS")

ACRONYM_SKIP = _set("ACRONYM_SKIP")

NOT_INITIALS = frozenset({("i", "e"), ("e", "g"), ("a", "m"), ("p", "m"), ("a", "k")})

ACRONYM_NOUN_CUES = _set("ACRONYM_NOUN_CUES")

ARTICLES = _set("ARTICLES")

HONORIFICS = _set("HONORIFICS")

MONTH_CUES = _set("MONTH_CUES")

DEMONYM_ENDINGS = _ordered("DEMONYM_ENDINGS")

VERB_ENDINGS = _ordered("VERB_ENDINGS")

BEFORE_NAMES = _set("BEFORE_NAMES")

SPEECH_VERBS = _set("SPEECH_VERBS")

PARTY_WORDS = _set("PARTY_WORDS")

PARTY_CUES = _set("PARTY_CUES")

HOUSE_CUES = _set("HOUSE_CUES")

US_STATES = _set("US_STATES")

# Codes that are also words ("oh", "in", "ok"), and Canadian provinces.
STATE_CODES = US_STATES | frozenset(
    "al co de ga hi id in la ma me mo ne oh ok or pa on qc bc ab".split()
)

LIST_ENDS = frozenset({" /", " @", " –", " -", " |"})

US_CUES = _set("US_CUES")

# The words `_apply_name_cues` looks at besides the names it finds (one set: one test per word).
NAME_CUE_WORDS = PARTY_WORDS | STATE_CODES | {"house", "us"}

ORG_OF = _set("ORG_OF")

RUN_NOT_HEADS = _set("RUN_NOT_HEADS")

STREET_TYPES = _set("STREET_TYPES")

ORDINALS = _set("ORDINALS")

SERVICES = _set("SERVICES")

SERVICE_HEADS = _set("SERVICE_HEADS")

PLANET_CUES = _set("PLANET_CUES")

PLANET_NOT_BEFORE = _set("PLANET_NOT_BEFORE")

IDIOM_ON_EARTH = _set("IDIOM_ON_EARTH")

TOWN_CUES = _set("TOWN_CUES")

COMPANY_SUFFIXES = _set("COMPANY_SUFFIXES")

HEADING_SMALL = _set("HEADING_SMALL")

HEADING_END = (".", "!", "?", ":", ";", ",", "”", '"', "’", "'", "…")
CALENDAR_NAMES = _set("CALENDAR_NAMES")
FOREIGN_FUNCTION_WORDS = _set("FOREIGN_FUNCTION_WORDS")
