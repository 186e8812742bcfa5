"""Casing rules on letters: dotted and defined acronyms, lone letters, codes, initials, datelines."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left

from bot.clean.casing.lexicon import Lexicon, _vocab_has
from bot.clean.casing.tokens import KIND_ACRONYM, KIND_CASING, _spaced, _Token
from bot.clean.casing.words import (
    ACRONYM_NOUN_CUES,
    ACRONYM_SKIP,
    ARTICLES,
    CAPITAL_LABELS,
    FUNCTION_WORDS,
    LABELS,
    NOT_INITIALS,
    ORG_OF,
    STARTERS,
)
from bot.clean.edits import Edit
from bot.clean.unicode import CONTINUATION_CHARACTERS as _CONTINUATION

ALNUM = re.compile(r"\d+[^\W\d_]+|[^\W\d_]+\d+")


DOTTED = re.compile(r"(?<![\w.])[^\W\d_]\.(?: ?[^\W\d_]\.)+(?![\w])")


DOTTED_HINT = re.compile(r"\. ?[^\W\d_]\.")  # where a DOTTED match can first be


LINK_START = re.compile(r"(?<![\w.@/])(?:Pic\.twitter\.com/|Www\.|Https?://)")


LINK_HINT = re.compile(r"Pic\.twitter\.com/|Www\.|Https?://")  # LINK_START without its check


def _single_letters(text: str, tokens: list[_Token]) -> None:
    """Lone letters other than "a" and "i" name things in news ("USB-c" → "USB-C", "plan b",
    "q&a"); not before "-", "." or an apostrophe ("e-mail", initials, "80's"), not in "(b)"."""
    size = len(text)
    previous: _Token | None = None
    for token in tokens:
        prev, previous = previous, token
        if len(token.key) != 1 or not token.text.islower() or not token.free:
            continue
        if not token.key.isascii():
            continue  # labels are ASCII ("plan B"); a lone "â" is leftover mojibake
        if token.key in "ai":
            # "Path A:", "vitamin A", "Group A" — never the article there.
            after = text[token.end : token.end + 1]
            labelled = prev is not None and prev.key in LABELS and _spaced(text, prev, token)
            if (
                token.key == "i"
                or not labelled
                or after.isalpha()
                or (after == " " and (token.end + 1 < size and text[token.end + 1].isalpha()))
            ):
                continue
        if token.form is not None or token.kind == KIND_ACRONYM:
            continue
        before = text[token.start - 1] if token.start else " "
        after = text[token.end] if token.end < size else " "
        if after in "-.'’" or before in "'’" or (before == "(" and after == ")"):
            continue
        if unicodedata.category(after)[0] == "S" or unicodedata.category(before)[0] == "S":
            continue  # a letter glued to a sign ("x€", "a$"): a unit or leftover mojibake
        token.form = token.text.upper()
        token.proper = True
        # "Group A", "Pool B", "Model S": these labels are part of the name.
        if (
            prev is not None
            and prev.key in CAPITAL_LABELS
            and prev.text.islower()
            and _spaced(text, prev, token)
        ):
            prev.form, prev.proper = prev.text.capitalize(), True


def _mark_dotted(text: str, tokens: list[_Token], lex: Lexicon) -> list[tuple[int, int, str]]:
    """Letters of a known dotted acronym are one name ("u.s. army"); returns (start, end, form)
    of each such acronym for `_dotted_edits`."""
    found: list[tuple[int, int, str]] = []
    # DOTTED opens with a letter and is tried at every position; its first ". x." is found by a
    # fast literal scan, and the scan starts at the letter before it.
    hint = DOTTED_HINT.search(text)
    if hint is None:
        return found
    for m in DOTTED.finditer(text, max(0, hint.start() - 1)):
        form = lex.dotted.get("".join(ch for ch in m.group() if ch.isalpha()).lower())
        if form is not None:
            found.append((m.start(), m.end(), form))
    if not found:
        return found
    si = 0
    for token in tokens:
        while si < len(found) and found[si][1] <= token.start:
            si += 1
        if si < len(found) and found[si][0] <= token.start < found[si][1]:
            form = found[si][2]
            token.free, token.proper, token.kind = False, not form.islower(), KIND_ACRONYM
    return found


def _dotted_edits(text: str, dotted: list[tuple[int, int, str]], *, well_cased: bool) -> list[Edit]:
    """Dotted acronyms in the table, in any spacing or case ("u. S." → "U.S.")."""
    edits = []
    for start, end, form in dotted:
        found = text[start:end]
        if found == form:
            continue
        if well_cased:
            # Edited text: only a spaced, broken one is an artefact, and its case is the author's
            # when the table's form is lowercase ("P. M." → "P.M.", "u. S." → "U.S.").
            if " " not in found:
                continue
            if form.islower():
                form = found.replace(" ", "")
        edits.append(Edit(start, end, form, KIND_ACRONYM))
    return edits


def _alnum_edits(text: str, tokens: list[_Token], lex: Lexicon) -> list[Edit]:
    """Letter-digit tokens: "5g" → "5G", "256gb" → "256GB", "a350" → "A350", "rav4" → "RAV4"."""
    edits = []
    size = len(text)
    seen = -1
    for token in tokens:
        # Only words glued to digits can be such codes (found by the tokeniser, no extra scan).
        if token.free or token.start < seen:
            continue
        start, end = token.start, token.start + len(token.key)
        while start and text[start - 1].isalnum():
            start -= 1
        while end < size and text[end].isalnum():
            end += 1
        seen = end
        found = text[start:end]
        if start and text[start - 1] in "._/=?&#@:":  # inside a link, a handle or a code
            continue
        if (end < size and text[end] == "_") or not ALNUM.fullmatch(found) or not found.islower():
            continue
        form = lex.acronyms.get(found)
        if form is None:
            letters = found.lstrip("0123456789")
            if letters != found:  # digits then letters: a unit ("gb", "kwh") from the table
                unit = lex.acronyms.get(letters)
                form = found[: len(found) - len(letters)] + unit if unit else None
            elif len(found.rstrip("0123456789")) <= 3:  # a model code: letters then digits
                form = found.upper()
        if form is not None and form != found:
            edits.append(Edit(start, end, form, KIND_ACRONYM))
    return edits


def _lone_i(text: str, tokens: list[_Token]) -> list[Edit]:
    """The pronoun "i" written in lowercase, between words (not "(i)", "i.e.", "i-")."""
    edits = []
    for token in tokens:
        if token.key not in ("i", "i'm", "i've", "i'll", "i'd") or not token.free:
            continue
        before = text[token.start - 1] if token.start else " "
        after_index = token.start + len(token.key)
        after = text[after_index] if after_index < len(text) else " "
        if token.text[0] == "i" and before in ' \n“"' and after in " ,’'":
            edits.append(Edit(token.start, token.start + 1, "I", KIND_CASING))
    return edits


PARENTHESISED = re.compile(r"\((\w{2,7})\)")


def _acronym_expansion(tokens: list[_Token], i: int) -> tuple[int, int] | None:
    """The tokens (first, last + 1) before "(xyz)" whose initials spell xyz, or None.
    "binge eating disorder (bed)", "ministry of trade, industry and energy (motie)" (small words
    may give a letter or none), "intensive care units (icus)"."""
    letters = tokens[i].key
    if letters.endswith("s") and len(letters) > 3:
        letters = letters[:-1]  # a plural: "icus"
    limit = max(0, i - 2 * len(letters) - 2)

    def match(position: int, j: int) -> int | None:
        """First token index when letters[:position] are spelled by tokens ending at j."""
        if position == 0:
            return j + 1
        if j < limit:
            return None
        key = tokens[j].key
        if key[0] == letters[position - 1]:
            found = match(position - 1, j - 1)
            if found is not None:
                return found
        if key in ACRONYM_SKIP:
            return match(position, j - 1)
        return None

    first = match(len(letters), i - 1)
    return None if first is None or first == i else (first, i)


def _apply_acronym_definitions(text: str, tokens: list[_Token], lex: Lexicon, capitalise) -> None:
    """An acronym defined in the text is upper case ("binge eating disorder (BED)"), and so are
    its later mentions when it is no English word; an organisation's spelled-out name is
    capitalised too ("Ministry of Trade, Industry and Energy (MOTIE)")."""
    defined: set[str] = set()
    candidates = [m.start(1) for m in PARENTHESISED.finditer(text)]
    if not candidates:
        return
    starts = [t.start for t in tokens]
    for position in candidates:
        i = bisect_left(starts, position)
        if i == len(tokens):  # "(1982)" after the last word: digits are no token
            continue
        token = tokens[i]
        if not (token.free and token.start == position and token.text.islower()):
            continue
        if text[token.end : token.end + 1] != ")" or len(token.key) < 2:
            continue
        span = _acronym_expansion(tokens, i)
        if span is None:
            continue
        first, last = span
        stem = token.key[:-1] if len(token.key) > 3 and token.key.endswith("s") else token.key
        token.form = stem.upper() + token.text[len(stem) :]
        token.kind, token.proper = KIND_ACRONYM, True
        defined.add(token.key)
        expansion = tokens[first:last]
        if (
            expansion[0].key in lex.org_words
            or expansion[0].key in ORG_OF
            or (expansion[-1].key in lex.org_words)
        ):
            for part in expansion:
                if part.key not in ACRONYM_SKIP:
                    capitalise(part)
    if not defined:
        return
    for index, token in enumerate(tokens):
        if (
            token.key in defined
            and token.form is None
            and token.free
            and token.text.islower()
            and (not _vocab_has(token.key) or _acronym_slot(text, tokens, index))
        ):
            stem = token.key[:-1] if len(token.key) > 3 and token.key.endswith("s") else token.key
            token.form = stem.upper() + token.text[len(stem) :]
            token.kind, token.proper = KIND_ACRONYM, True


DATELINE = re.compile(
    r"^([^\W\d_][^\W\d_ .,]*(?: [^\W\d_]+){0,2}),?(?: [^\W\d_.]+\.?)? ?\((?:reuters|ap|afp|upi|"
    r"bloomberg|cnn|xinhua)\) ?[-–—]",
    re.IGNORECASE | re.MULTILINE,
)


WIRE_SERVICE = re.compile(r"\((?:reuters|ap|afp|upi|bloomberg|cnn|xinhua)\)", re.IGNORECASE)


def _apply_datelines(text: str, tokens: list[_Token]) -> None:
    """A wire-service dateline keeps its place in capitals: "WASHINGTON (Reuters) -"."""
    if not WIRE_SERVICE.search(text):
        return  # most texts: no agency, and no scan with the (slow to try) dateline regex
    for match in DATELINE.finditer(text):
        start, end = match.span(1)
        for token in tokens[bisect_left([t.start for t in tokens], start) :]:
            if token.start >= end:
                break
            token.form, token.proper = token.text.upper(), True


DOUBLE_INITIALS = re.compile(r"(?<![\w.])[^\W\d_]\. [^\W\d_]\. [^\W\d_]")


DOUBLE_INITIALS_HINT = re.compile(r"\. [^\W\d_]\. [^\W\d_]")  # DOUBLE_INITIALS from its period


def _apply_double_initials(text: str, tokens: list[_Token], capitalise) -> None:
    """Two initials and a word are a name: "w. m. keck", "h. g. wells" ("i. e." and "a. m." are
    abbreviations, and the pipeline's capital after them is positional)."""
    # The regex opens with a letter, so it is tried at every position; ". x. y" opens with a
    # period and is found by a fast literal scan. Most texts have none: no scan of the tokens.
    hint = DOUBLE_INITIALS_HINT.search(text)
    if hint is None or not DOUBLE_INITIALS.search(text, max(0, hint.start() - 1)):
        return
    for i in range(len(tokens) - 2):
        first, second, word = tokens[i], tokens[i + 1], tokens[i + 2]
        if len(first.key) != 1 or len(second.key) != 1 or len(word.key) < 2:
            continue
        if (first.key, second.key) in NOT_INITIALS or not (first.free and second.free):
            continue
        if text[first.end : second.start] != ". " or text[second.end : word.start] != ". ":
            continue
        if i and text[tokens[i - 1].end : first.start] in (".", "-"):
            continue  # part of a longer dotted sequence
        if word.key in STARTERS or word.key in FUNCTION_WORDS:
            continue
        for token in (first, second, word):
            capitalise(token)


def _acronym_slot(text: str, tokens: list[_Token], index: int) -> bool:
    """A defined acronym that is also a word ("bed") is the acronym where the word would need
    a determiner: "diagnosed with bed" yes, "the bed", "his bed", "to bed" no."""
    if not index:
        return False
    prev = tokens[index - 1]
    gap = text[prev.end : tokens[index].start]
    return gap == " " and not prev.possessive and prev.key not in ARTICLES | ACRONYM_NOUN_CUES


# "Â" + "ˆ" is how a UTF-8 control character reads as Windows-1252; "â" + "ˆ" is not. Recasing
# "âˆ" would make damage the unicode pass then removes, so cleaning twice would differ.
MOJIBAKE_PAIR = re.compile(f"[\u00c0-\u00df][{_CONTINUATION}]")


def _makes_mojibake(form: str) -> bool:
    """Whether a recased word (with the character after it) reads as mis-decoded UTF-8."""
    return bool(MOJIBAKE_PAIR.search(form))
