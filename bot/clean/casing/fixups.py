"""Casing rules that undo or restyle: syllables, epithets, false sentence starts, headings."""

from __future__ import annotations

import re

from bot.clean.casing.lexicon import Lexicon, _name_like, _vocab_has
from bot.clean.casing.tokens import KIND_ACRONYM, _Token
from bot.clean.casing.words import HEADING_END, HEADING_SMALL, SPEECH_VERBS, STARTERS


def _lower_syllables(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """Short syllables after a hyphen in East Asian names stay lowercase: "Kim Jong-un", "Tsai
    Ing-wen", "Daehak-ro" (a word of up to three letters that is no English word); not after a
    first name ("Pierre-Luc", "Jean-Luc")."""
    for i in [i for i, t in enumerate(tokens) if i and len(t.key) <= 3 and t.form is not None]:
        token, prev = tokens[i], tokens[i - 1]
        if not token.text.islower() or text[prev.end : token.start] != "-" or not prev.proper:
            continue
        if token.kind == KIND_ACRONYM or _vocab_has(token.key) or len(prev.key) < 2:
            continue
        if "F" not in lex.entries.get(prev.key, ("", ""))[1]:
            token.form, token.proper = None, False


def _lower_epithets(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """The species word of a Latin binomial stays lowercase after its genus (which is a name) or
    the genus's initial: "Yersinia pestis", "Y. pestis" (the initials rule would read "Y. Pestis")."""
    for i in [i for i, t in enumerate(tokens) if t.key in lex.epithets and i]:
        token, prev = tokens[i], tokens[i - 1]
        if not token.text.islower() or not token.free:
            continue
        gap = text[prev.end : token.start]
        if gap == " " and prev.key in lex.genera:
            if prev.text.islower() and prev.free:
                prev.form, prev.proper = prev.text.capitalize(), True  # the genus is a name
            token.form, token.proper = None, False
        elif len(prev.key) == 1 and gap == ". ":
            token.form, token.proper = None, False


def _undo_false_starts(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """A lowercasing pipeline capitalises whatever follows ". ", so "the u. S. Officials" got a
    capital after the acronym. After a dotted acronym or a.m./p.m., an ordinary word that rarely
    opens a sentence goes back to lowercase ("U.S. officials"); "U.S. The" keeps its capital."""
    count = len(tokens)
    # Only a single dotted letter can end such an acronym: the loop looks at what follows one.
    for i in [i + 1 for i, t in enumerate(tokens) if len(t.key) == 1 and i + 1 < count]:
        prev, token = tokens[i - 1], tokens[i]
        if prev.kind != KIND_ACRONYM or token.form is not None:
            continue
        if text[prev.end : token.start] != ". " or token.proper or not token.free:
            continue
        if token.key in lex.org_words:
            continue  # "U.S. Army", "L.A. Declaration": the acronym's name goes on
        if token.text[:1].isupper() and token.text[1:].islower() and token.key not in STARTERS:
            if _vocab_has(token.key) and "N" not in lex.entries.get(token.key, ("", ""))[1]:
                token.form = token.text.lower()
                token.start_of_sentence = False


QUOTE_END = re.compile(r"[!?][”\"’']\s+$")


QUOTE_END_ANY = re.compile(r"[!?][”\"’']\s")


def _undo_quote_starts(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """A quotation ending in "!" or "?" is followed by its attribution, not a new sentence:
    '"Step out!" an officer said', '“On whose authority?” said Hill'. The pipeline's capital on
    "An"/"Said" goes back to lowercase (or no capital is added) when a speech verb follows within
    three words."""
    if not QUOTE_END_ANY.search(text):
        return  # most texts: no scan of the tokens
    count = len(tokens)
    for i in [i for i, t in enumerate(tokens) if t.after_stop and i]:
        token = tokens[i]
        if token.form is not None or token.proper or not token.free:
            continue
        if not token.text[1:].islower():
            continue
        if not QUOTE_END.search(text[tokens[i - 1].end : token.start]):
            continue
        if not _vocab_has(token.key) or _name_like(token.key):
            continue
        for k in range(i, min(count, i + 4)):
            if k > i and text[tokens[k - 1].end : tokens[k].start] != " ":
                break
            if tokens[k].key in SPEECH_VERBS:
                token.form = token.text.lower()
                token.start_of_sentence = False
                break


HEADING_MAX_WORDS = 12


def _apply_headings(text: str, tokens: list[_Token], capitalise) -> None:
    """Headings in a site that writes Title Case: a short line with no closing punctuation
    ("range and charging", "mophie 3-in-1 wireless charging pad") gets the title's style back.
    Only called when the cased title shows the site's style; a sentence-case site's headings
    read like sentences and are left to the other rules."""
    index = 0
    count = len(tokens)
    while index < count:
        line_start = text.rfind("\n", 0, tokens[index].start) + 1
        line_end = text.find("\n", tokens[index].start)
        line_end = len(text) if line_end < 0 else line_end
        last = index
        while last < count and tokens[last].start < line_end:
            last += 1
        line = text[line_start:line_end].strip()
        words = line.split()
        if (
            2 <= len(words) <= HEADING_MAX_WORDS
            and not line.endswith(HEADING_END)
            and not line.startswith(("“", '"', "‘", "(", "[", "-", "–", "—", "•", "*"))
            and ". " not in line
        ):
            for position, token in enumerate(tokens[index:last]):
                if token.key in HEADING_SMALL and position and not token.start_of_sentence:
                    continue
                if token.contraction or (len(token.key) < 2 and token.key not in ("a", "i")):
                    continue
                capitalise(token)
        index = last
