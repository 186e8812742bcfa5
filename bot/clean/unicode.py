"""Cleanup passes: unicode (mojibake, invisible characters, NFC) and whitespace normalisation.

`find_edits` runs ftfy with a conservative configuration plus explicit rules for the invisible
characters ftfy leaves alone (zero-width space, soft hyphen, word joiner, BOM) and turns exotic
spaces (NBSP and friends) into plain spaces. `find_whitespace_edits` then normalises line breaks,
runs of spaces and blank lines. Both are pure and cheap on clean text: lines that cannot contain
anything to fix are skipped without calling ftfy.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING

import ftfy

from bot.clean.edits import Edit

if TYPE_CHECKING:
    from bot.clean import CleanContext

# Removed outright: they carry no meaning in running text and break word matching downstream.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad\u180e"
# Bidi marks matter inside right-to-left text, so they are removed only from lines without it.
_BIDI_MARKS = "\u200e\u200f"
# Joiners matter in emoji sequences and Indic/Arabic scripts; removed only between ASCII letters.
_JOINERS = "\u200c\u200d"
# Become a plain space (ideographic space U+3000 is left alone: it is normal CJK typography).
_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
)

_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_BIDI_RE = re.compile(f"[{_BIDI_MARKS}]")
_JOINER_RE = re.compile(f"(?<=[A-Za-z])[{_JOINERS}]+(?=[A-Za-z])")
_SPACES_RE = re.compile(f"[{_SPACES}]")
_OTHER_BREAK_RE = re.compile("\r|[\u2028\u2029\x85]")
_RTL_RE = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# Everything the explicit rules act on, for one scan of a text that needs no ftfy.
_EXPLICIT_RE = re.compile(
    f"(?P<invisible>[{_INVISIBLE}])|(?P<bidi>[{_BIDI_MARKS}])"
    f"|(?P<joiner>(?<=[A-Za-z])[{_JOINERS}]+(?=[A-Za-z]))|(?P<space>[{_SPACES}])"
    "|(?P<crlf>\r\n)|(?P<newline>\r|[\u2028\u2029\x85])"
)
_EXPLICIT_HINT_RE = re.compile(f"[{_INVISIBLE}{_BIDI_MARKS}{_JOINERS}{_SPACES}\r\u2028\u2029\x85]")
# ftfy is slow (~1 ms per 1,000 words even on clean text), so it only sees lines with a hint of
# damage: UTF-8 read as Latin-1/Windows-1252 always yields a lead character Â..ô followed by a
# continuation character; plus HTML entities, control/C1 characters, surrogates, ligatures, U+FFFD.
CONTINUATION_CHARACTERS = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_FTFY_HINT_RE = re.compile(
    f"[\u00c2-\u00f4][{CONTINUATION_CHARACTERS}]|&#?\\w+;|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
    "|[\ud800-\udfff\ufb00-\ufb06\ufffd]"
)


def _needs_ftfy(text: str) -> bool:
    """True when ftfy might change `text` (a cheap over-approximation)."""
    return bool(_FTFY_HINT_RE.search(text)) or not unicodedata.is_normalized("NFC", text)


@cache
def _ftfy_config() -> ftfy.TextFixerConfig:
    """ftfy settings that repair encoding damage but never restyle correct text."""
    return ftfy.TextFixerConfig(
        uncurl_quotes=False,  # curly quotes are correct typography, and casing relies on them
        fix_character_width=False,  # fullwidth punctuation is normal in CJK text
        fix_line_breaks=False,  # done by the whitespace pass, which works across lines
        normalization="NFC",
        explain=False,
    )


def _explicit(text: str) -> str:
    """The explicit rules: invisible characters out, exotic spaces and line breaks normalised."""
    fixed = _INVISIBLE_RE.sub("", text)
    if not _RTL_RE.search(fixed):
        fixed = _BIDI_RE.sub("", fixed)
    fixed = _JOINER_RE.sub("", fixed)
    fixed = _SPACES_RE.sub(" ", fixed)
    # The text was split on "\n": a final "\r" was half of "\r\n"; other breaks become "\n".
    return _OTHER_BREAK_RE.sub("\n", fixed.removesuffix("\r"))


_EDGE_SPACE = " \t" + _SPACES
# An exotic space right after a lead character may be the second half of mojibake ("Â\u00a0" is a
# UTF-8 NBSP read as Latin-1): ftfy must see it as it is.
_LEAD = "\u00c2-\u00f4"
_SPACES_NOT_AFTER_LEAD_RE = re.compile(f"(?<![{_LEAD}])[{_SPACES}]")
_TRAILING_SPACE_RE = re.compile(f"(?<![{_LEAD}])[{_EDGE_SPACE}]+$|[ \t]+$")


def _ftfy_round(line: str) -> str:
    """One round: ftfy on the line as the later passes will leave it, then the explicit rules."""
    # ftfy judges a character by its neighbours, so it sees plain spaces and no edge spaces.
    line = _SPACES_NOT_AFTER_LEAD_RE.sub(" ", _INVISIBLE_RE.sub("", line))
    start = len(line) - len(line.lstrip(_EDGE_SPACE))
    trailing = _TRAILING_SPACE_RE.search(line, start)
    end = trailing.start() if trailing else len(line)
    core = line[start:end]
    if _needs_ftfy(core):
        core = ftfy.fix_text(core, config=_ftfy_config())
    return _explicit(line[:start] + core + line[end:])


def fix_line(line: str) -> str:
    """Return `line` with mojibake, invisible characters and exotic spaces repaired."""
    # Repeated until stable: ftfy is not always idempotent (a C1 control next to mojibake can take
    # two rounds), and the stage must be.
    fixed = _ftfy_round(line)
    for _ in range(3):
        again = _ftfy_round(fixed)
        if again == fixed:
            break
        fixed = again
    return fixed


def _is_space_change(before: str, after: str) -> bool:
    """True when an edit only swaps one kind of space or line break for another."""
    return before.isspace() and (not after or after.isspace())


def _diff_edits(line: str, fixed: str, offset: int) -> Iterator[Edit]:
    """Character-level edits turning `line` into `fixed`, shifted by `offset`."""
    matcher = difflib.SequenceMatcher(None, line, fixed, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = line[i1:i2], fixed[j1:j2]
        kind = "whitespace" if _is_space_change(before, after) else "unicode"
        yield Edit(offset + i1, offset + i2, after, kind)


def _line_has_rtl(text: str, position: int) -> bool:
    """True when the line around `position` contains right-to-left script."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return bool(_RTL_RE.search(text, start, len(text) if end < 0 else end))


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose unicode edits: ftfy repairs, invisible characters removed, exotic spaces → space."""
    edits: list[Edit] = []
    ftfy_lines: list[tuple[int, int]] = []
    if _needs_ftfy(text):
        offset = 0
        for line in text.split("\n"):
            if _needs_ftfy(line):
                fixed = fix_line(line)
                if fixed != line:
                    edits.extend(_diff_edits(line, fixed, offset))
                ftfy_lines.append((offset, offset + len(line)))
            offset += len(line) + 1
    if not _EXPLICIT_HINT_RE.search(text):
        return edits
    for match in _EXPLICIT_RE.finditer(text):
        if any(start <= match.start() <= end for start, end in ftfy_lines):
            continue  # that line was fixed as a whole by `fix_line`
        group = match.lastgroup
        if group == "bidi" and _line_has_rtl(text, match.start()):
            continue
        if group in ("invisible", "bidi", "joiner"):
            edits.append(Edit(match.start(), match.end(), "", "unicode"))
        elif group == "space":
            edits.append(Edit(match.start(), match.end(), " ", "whitespace"))
        else:
            edits.append(Edit(match.start(), match.end(), "\n", "whitespace"))
    return edits


# Whitespace rules, applied to the whole text (line breaks are already "\n" after `find_edits`).
_SPACE_RUN_RE = re.compile(r"[^\S\n]{2,}|\t")
_TRAILING_RE = re.compile(r"[^\S\n]+(?=\n)")
_LEADING_RE = re.compile(r"(?<=\n)[^\S\n]+")
_ODD_SPACE_RE = re.compile(r"[^\S\n ]")
_BLANK_RUN_RE = re.compile(r"\n(?:[^\S\n]*\n){2,}")


def _may_need_whitespace_edits(text: str) -> bool:
    """Cheap test that lets clean text skip the whitespace regexes."""
    if text[0].isspace() or text[-1].isspace() or _ODD_SPACE_RE.search(text):
        return True
    return any(s in text for s in ("  ", " \n", "\n ", "\n\n\n"))


def find_whitespace_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose whitespace edits: no leading/trailing/double spaces, at most one blank line."""
    if not text or not _may_need_whitespace_edits(text):
        return []
    text_start = len(text) - len(text.lstrip())
    text_end = len(text.rstrip())
    if text_start >= text_end:
        return [Edit(0, len(text), "", "whitespace")] if text else []
    edits: list[Edit] = []
    if text_start:
        edits.append(Edit(0, text_start, "", "whitespace"))
    if text_end < len(text):
        edits.append(Edit(text_end, len(text), "", "whitespace"))
    body = range(text_start, text_end)
    for pattern, replacement in (
        (_BLANK_RUN_RE, "\n\n"),
        (_TRAILING_RE, ""),
        (_LEADING_RE, ""),
        (_SPACE_RUN_RE, " "),
    ):
        for match in pattern.finditer(text, text_start, text_end):
            if match.start() in body:
                edits.append(Edit(match.start(), match.end(), replacement, "whitespace"))
    return edits
