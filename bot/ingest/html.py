"""Main-text extraction from HTML with trafilatura, plus charset decoding. Pure: no network.

trafilatura's precise body comes first. What the page itself shows (its prose blocks, page
furniture, JSON-LD, paywall signs: `page_evidence`) then decides two things: whether a second
opinion may find more of the article (`needs_second_opinion`, kept only when better supported),
and whether a short body is a paywall teaser (`is_paywall_teaser`, two kinds of evidence).
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import charset_normalizer
import trafilatura
from lxml import etree

from bot.errors import ExtractError, PageTooComplexError, PaywallError
from bot.ingest.evidence import page_names
from bot.ingest.text import MIN_WORDS, count_words
from bot.models import Document

_BOM_CODECS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.\-]+)""")
# Browsers treat these labels as windows-1252 (WHATWG Encoding); so do we.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252"}


def _codec(label: str) -> str:
    """A Python codec name for a charset label, or "" when unknown."""
    label = label.strip().strip("\"'").lower()
    if not label:
        return ""
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return ""


def decode_body(data: bytes, declared: str = "", *, html: bool = True) -> str:
    """Bytes to text: BOM, then the declared charset, then <meta charset>, then detection."""
    for bom, codec in _BOM_CODECS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    candidates = [_codec(declared)]
    if html:
        head = data[:8192]
        match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        if match:
            candidates.append(_codec(match.group(1).decode("ascii", "ignore")))
    for codec in candidates:
        if codec:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue  # the label lied; fall through to detection
    try:
        return data.decode("utf-8")  # by far the most common; detection is slower and can err
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("utf-8", errors="replace")


# --- what the page itself shows: prose blocks, boilerplate, paywall signs ---------------------
#
# Two decisions rest on this: whether trafilatura's precise body left out much of the article
# (then a second opinion is sought and the better-supported body kept), and whether a short
# body is a paywall teaser (then the page is refused). Both look at the page's structure, never
# at a keyword alone and never at length alone.

# A body with fewer words than this may be a teaser; a longer one is never called a paywall.
PAYWALL_MAX_WORDS = 150
# A block counts as article prose when it has at least this many words and few of them are links.
PROSE_MIN_WORDS = 10
PROSE_MAX_LINK_SHARE = 0.4
# A second opinion is sought when the body covers less than this share of the page's prose and
# at least MISSING_MIN_WORDS words of prose are left out, or when it stops mid-paragraph.
COVERAGE_MIN = 0.7
MISSING_MIN_WORDS = 50
# A second opinion replaces the body only when its support beats the body's by this margin
# (words of covered prose, less twice the words of boilerplate it takes in).
SUPPORT_MARGIN_WORDS = 20
SUPPORT_MARGIN_SHARE = 0.1
# Pages with more elements than this are refused with a clear error before parsing (a cheap scan
# of start tags, about 8 ms a megabyte): trafilatura's time grows faster than the page (measured:
# 10,000 links 1.3 s, 30,000 5.1 s, 100,000 28 s and about 900 MB; a 5 MB page of nested tables
# with 129,000 elements 25 s), while the largest news-dev page has 1,500 elements and long real
# articles a few thousand. EXTRACT_MAX_ELEMENTS sets it.
MAX_ELEMENTS = 30_000
_START_TAG = re.compile(r"<[A-Za-z]")
# The full page analysis runs only when a cheap look says it may matter: a short body, a body
# ending in an ellipsis, a longer JSON-LD articleBody, or a body holding less than this share of
# the text that paragraphs (outside footers, asides, navigation and forms), divs and cells carry
# themselves. Measured on the news-dev tuning pages: 23 of 65 fall below 0.85; with the last 30%
# of the article's paragraphs dropped (bench --stress) 48 of 55 damaged bodies do.
GATE_TEXT_SHARE = 0.85
_GATE_TEXT = etree.XPath(
    "//p[not(ancestor::footer or ancestor::aside or ancestor::nav or ancestor::form)]//text()"
    "|//div/text()|//td/text()|//font/text()|//blockquote/text()"
)
_LD_SCRIPTS = etree.XPath("//script[contains(@type, 'ld+json')]")
_COUNT_ELEMENTS = etree.XPath("count(//*)")
# A body line of at most LINK_LINE_WORDS words is a link to another page when one link's text
# (of at least LINK_LINE_MIN_CHARS letters) makes up LINK_LINE_SHARE of its letters.
LINK_LINE_WORDS = 25
LINK_LINE_MIN_CHARS = 15
LINK_LINE_SHARE = 0.7
_LINKS = etree.XPath("//a[string-length(normalize-space()) >= 15]")
_H1 = etree.XPath("//h1")
_ADDRESS = re.compile(r"@|www\.|https?:|\.(com|org|net)\b", re.IGNORECASE)
_MICRODATA_FREE = etree.XPath("//*[@itemprop='isAccessibleForFree']")
# How far after the body's last block a subscribe prompt or a paywall container counts as
# "next to" the body: this many blocks or this many characters of text, whichever comes first.
NEAR_BLOCKS = 25
NEAR_CHARS = 800
# At most this many lines of at most this many words at the body's end may be a subscribe prompt.
PROMPT_LINES = 3
PROMPT_MAX_WORDS = 40

_SKIP_TAGS = frozenset(
    "script style noscript template head title meta link svg math iframe object embed canvas "
    "select option button textarea input".split()
)
_BLOCK_TAGS = frozenset(
    "html body main article section div p li ul ol dl dt dd blockquote pre table thead tbody "
    "tfoot tr td th caption figure figcaption header footer nav aside form fieldset address "
    "center h1 h2 h3 h4 h5 h6 hgroup details summary".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_BOILERPLATE_TAGS = frozenset("nav footer aside form".split())
_NEVER_BOILERPLATE = frozenset("html body main article".split())
_KEY_DROP = re.compile(r"[\W_]+")
_ELLIPSIS_END = re.compile(r"(\.\.\.|…|\[…\]|\[\.\.\.\])[\s\"'”’)\]]*$")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_KEY_PROBE = 40  # characters of a key compared at the head, middle and tail of a block


def _key(text: str) -> str:
    """Text reduced to lower-case letters and digits, so extractors' spacing differences vanish."""
    return _KEY_DROP.sub("", text.casefold())


@cache
def _container_patterns() -> dict[str, re.Pattern[str]]:
    text = files("bot").joinpath("data/page_containers.txt").read_text("utf-8")
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line)
    return {
        name: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        for name, patterns in sections.items()
    }


@cache
def _boilerplate_lines() -> re.Pattern[str]:
    """Whole-line boilerplate (comment forms, share/follow/cookie lines) from boilerplate.txt.

    The cleanup stage owns that file (bot/clean/boilerplate.py, a layer above this one); here
    its [comment] and [line] patterns only weigh which of two bodies carries more boilerplate.
    """
    text = files("bot").joinpath("data/boilerplate.txt").read_text("utf-8")
    patterns, section = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section in ("comment", "line"):
            patterns.append(line.replace(" ", r"\s+"))
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@cache
def _paywall_markers() -> tuple[str, ...]:
    text = files("bot").joinpath("data/paywall_markers.txt").read_text("utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


@dataclass(slots=True)
class _Block:
    """Text that one block element holds itself (its inline children included, blocks not)."""

    tag: str
    boilerplate: bool
    paywall: bool
    hidden: bool
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    text: str = ""
    words: int = 0
    key: str = ""

    @property
    def prose(self) -> bool:
        """Visible article-like prose: enough words, few of them links, not page furniture."""
        return (
            not self.hidden
            and not self.boilerplate
            and self.tag not in _HEADINGS
            and self.words >= PROSE_MIN_WORDS
            and self.link_chars <= PROSE_MAX_LINK_SHARE * max(1, len(self.text))
        )


@dataclass(slots=True)
class PageEvidence:
    """What the HTML shows beside the extracted body: prose blocks, JSON-LD, paywall signs."""

    blocks: list[_Block]
    schema_paid: bool  # schema.org isAccessibleForFree is false (JSON-LD or microdata)
    ld_body: str  # the longest JSON-LD articleBody, "" when none
    ld_word_count: int  # the largest JSON-LD wordCount, 0 when none

    @property
    def prose_words(self) -> int:
        """Words of visible article-like prose on the page."""
        return sum(b.words for b in self.blocks if b.prose)


def _class_flags(el: Any, cache_: dict[str, tuple[bool, bool]]) -> tuple[bool, bool]:
    """(boilerplate, paywall) from an element's class tokens and id."""
    cls, eid = el.get("class"), el.get("id")
    if not cls and not eid:
        return False, False
    names = f"{cls or ''} {eid or ''}"
    hit = cache_.get(names)
    if hit is None:
        patterns = _container_patterns()
        tokens = names.split()
        hit = (
            any(patterns["boilerplate"].fullmatch(t) for t in tokens),
            any(patterns["paywall"].fullmatch(t) for t in tokens),
        )
        cache_[names] = hit
    return hit


def _walk_blocks(root: Any) -> list[_Block]:
    """The page's block texts in document order, with boilerplate/paywall/hidden flags."""
    blocks: list[_Block] = []
    flags_cache: dict[str, tuple[bool, bool]] = {}
    top = _Block("html", False, False, False)
    blocks.append(top)
    open_blocks, open_links = [top], [False]  # the block and link state of each open element
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        if event == "end":
            open_blocks.pop()
            open_links.pop()
            tail = el.tail
            if tail:
                blk = open_blocks[-1]
                blk.parts.append(tail)
                if open_links[-1]:
                    blk.link_chars += len(tail)
            continue
        blk, in_link = open_blocks[-1], open_links[-1]
        tag = el.tag
        if type(tag) is not str or tag in _SKIP_TAGS:
            walker.skip_subtree()
            open_blocks.append(blk)
            open_links.append(in_link)
            continue
        boiler, paywall = _class_flags(el, flags_cache)
        hidden = blk.hidden or el.get("hidden") is not None
        style = el.get("style")
        if style and _HIDDEN_STYLE.search(style):
            hidden = True
        mine = blk
        if tag in _BLOCK_TAGS:
            boilerplate = tag not in _NEVER_BOILERPLATE and (
                blk.boilerplate or boiler or tag in _BOILERPLATE_TAGS
            )
            mine = _Block(tag, boilerplate, blk.paywall or paywall, hidden)
            blocks.append(mine)
        elif paywall or hidden != blk.hidden:  # an inline paywall box or hidden span
            mine = _Block(tag, blk.boilerplate, True if paywall else blk.paywall, hidden)
            blocks.append(mine)
        link = in_link or tag == "a"
        open_blocks.append(mine)
        open_links.append(link)
        text = el.text
        if text:
            mine.parts.append(text)
            if link:
                mine.link_chars += len(text)
    for b in blocks:
        b.text = " ".join(" ".join(b.parts).split())
        b.words = count_words(b.text) if b.text else 0
        b.key = _key(b.text) if b.text else ""
        b.parts = []
    return blocks


def _json_ld(root: Any) -> tuple[bool, str, int]:
    """(isAccessibleForFree is false somewhere, longest articleBody, largest wordCount)."""
    paid, body, words = False, "", 0
    for script in _LD_SCRIPTS(root):
        if not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue  # a broken JSON-LD block says nothing
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                free = node.get("isAccessibleForFree")
                if free is False or (isinstance(free, str) and free.strip().lower() == "false"):
                    paid = True
                text = node.get("articleBody")
                if isinstance(text, str) and len(text) > len(body):
                    body = text
                count = node.get("wordCount")
                if isinstance(count, int | str) and str(count).strip().isdigit():
                    words = max(words, int(str(count).strip()))
                stack.extend(v for v in node.values() if isinstance(v, dict | list))
    for meta in _MICRODATA_FREE(root):
        value = (meta.get("content") or meta.text_content() or "").strip().lower()
        paid = paid or value == "false"
    return paid, body, words


def worth_a_look(text: str, root: Any) -> bool:
    """Cheap gate for the page analysis: may the body be a teaser or leave article text out?"""
    words = count_words(text)
    if words < PAYWALL_MAX_WORDS or _ELLIPSIS_END.search(_last_line(text)):
        return True
    if any(s.text and "articleBody" in s.text for s in _LD_SCRIPTS(root)):
        _, ld_body, _ = _json_ld(root)  # parsed only on pages that carry an articleBody
        if count_words(ld_body) >= 1.25 * words + MISSING_MIN_WORDS:
            return True
    carried = len(_key("".join(_GATE_TEXT(root))))
    return len(_key(text)) < GATE_TEXT_SHARE * carried


def page_evidence(root: Any) -> PageEvidence:
    """Blocks, JSON-LD and schema.org flags of a parsed page (lxml tree, not modified)."""
    paid, body, words = _json_ld(root)
    return PageEvidence(_walk_blocks(root), paid, body, words)


def _found(key: str, hay: str) -> float:
    """Share of a block key's head, middle and tail probes that occur in `hay`."""
    if len(key) <= _KEY_PROBE:
        return 1.0 if key and key in hay else 0.0
    mid = len(key) // 2 - _KEY_PROBE // 2
    probes = (key[:_KEY_PROBE], key[mid : mid + _KEY_PROBE], key[-_KEY_PROBE:])
    return sum(p in hay for p in probes) / 3


@dataclass(frozen=True, slots=True)
class Support:
    """How well a body is backed by the page: prose it covers, boilerplate it takes in."""

    covered: float  # words of visible prose blocks found in the body
    boilerplate: float  # words of furniture blocks and boilerplate lines found in the body
    prose: int  # words of visible prose on the page

    @property
    def coverage(self) -> float:
        """Share of the page's prose that the body covers (1.0 on a page without prose)."""
        return self.covered / self.prose if self.prose else 1.0

    @property
    def score(self) -> float:
        """Covered prose less twice the boilerplate: what a better body must beat."""
        return self.covered - 2 * self.boilerplate


def support(text: str, page: PageEvidence) -> Support:
    """How much of the page's prose `text` covers and how much boilerplate it carries."""
    hay = _key(text)
    covered = boiler = 0.0
    prose = 0
    for b in page.blocks:
        if b.hidden or b.words == 0:
            continue
        if b.prose:
            prose += b.words
            covered += b.words * _found(b.key, hay)
        elif b.words >= 3 and (b.boilerplate or b.link_chars > 0.5 * len(b.text)):
            boiler += b.words * _found(b.key, hay)
    pattern = _boilerplate_lines()
    boiler += sum(
        count_words(line) for line in text.splitlines() if pattern.fullmatch(line.strip())
    )
    return Support(covered, boiler, prose)


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _end_block(text: str, page: PageEvidence) -> int:
    """Index of the page block where the body's last line ends, or -1 when not found."""
    tail = _key(_last_line(text))[-3 * _KEY_PROBE :]  # long enough to tell similar endings apart
    if not tail:
        return -1
    for i in range(len(page.blocks) - 1, -1, -1):
        if tail in page.blocks[i].key:
            return i
    return -1


def stops_mid_paragraph(text: str, page: PageEvidence) -> bool:
    """True when the body ends in an ellipsis or inside a longer paragraph of the page."""
    last = _last_line(text)
    if _ELLIPSIS_END.search(last):
        return True
    i = _end_block(text, page)
    if i < 0:
        return False
    block, tail = page.blocks[i], _key(last)[-3 * _KEY_PROBE :]
    rest = len(block.key) - (block.key.rfind(tail) + len(tail))
    return block.prose and rest > 2 * _KEY_PROBE


def _ends_mid_sentence(text: str) -> bool:
    """True when the last line stops on a comma, a dash or a lower-case word (no full stop)."""
    last = _last_line(text).rstrip()
    if not last or last[-1] in ",;:-–—(":
        return bool(last)
    word = last.split()[-1]
    return word.isalpha() and word.islower() and word.isascii()


def split_trailing_prompt(text: str) -> tuple[str, str]:
    """(body, prompt): the last lines when they are a subscribe prompt that the extractor kept.

    Paywall boxes often sit inside the article element, so trafilatura returns "Subscribe to
    continue reading" as the body's last line; that line is a sign, not article text.
    """
    lines = text.rstrip().split("\n")
    cut = len(lines)
    while cut > 1 and len(lines) - cut < PROMPT_LINES:
        line = lines[cut - 1].lower()
        if not line.strip() or (
            count_words(line) <= PROMPT_MAX_WORDS
            and any(marker in line for marker in _paywall_markers())
        ):
            cut -= 1
            continue
        break
    while cut < len(lines) and not lines[cut].strip():
        cut += 1  # blank lines before the prompt belong to neither
    if cut == len(lines):
        return text, ""
    return "\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]).strip()


def paywall_evidence(text: str, page: PageEvidence, prompt: str = "") -> tuple[str, ...]:
    """Kinds of paywall sign on the page: schema flag, cut body, subscribe prompt, paywall box.

    A prompt or a box counts only when visible and right after the body's last block (or, for a
    prompt, as the body's own last lines: `prompt`): a newsletter box far down the page, or a
    hidden metering template, says nothing about the body.
    """
    kinds: list[str] = []
    if page.schema_paid:
        kinds.append("schema.org isAccessibleForFree=false")
    words = count_words(text)
    declared = max(page.ld_word_count, count_words(page.ld_body))
    if (
        stops_mid_paragraph(text, page)
        or _ends_mid_sentence(text)
        or declared >= 2 * max(words, 1) + 50
    ):
        kinds.append("body cut short")
    end = _end_block(text, page)
    if end >= 0:
        window: list[_Block] = []
        chars = 0
        for b in page.blocks[end + 1 : end + 1 + NEAR_BLOCKS]:
            if b.hidden:
                continue
            window.append(b)
            chars += len(b.text)
            if chars > NEAR_CHARS:
                break
        after = " ".join(b.text for b in window).lower()
        if prompt or any(marker in after for marker in _paywall_markers()):
            kinds.append("subscribe prompt after the body")
        if page.blocks[end].paywall or any(b.paywall for b in window):
            kinds.append("paywall container at the body")
    return tuple(kinds)


_OBSERVED = ("body cut short", "subscribe prompt after the body")


def is_paywall_teaser(text: str, page: PageEvidence) -> tuple[str, ...]:
    """The evidence when a short body is a teaser, else ().

    Two different kinds of sign are needed, one of them seen in the page itself (the body is
    cut, or a subscribe prompt follows it): a schema flag or a paywall container alone is a
    declaration that sites also put on free articles.
    """
    text, prompt = split_trailing_prompt(text)
    if count_words(text) >= PAYWALL_MAX_WORDS:
        return ()
    kinds = paywall_evidence(text, page, prompt)
    observed = any(kind in _OBSERVED for kind in kinds)
    return kinds if len(kinds) >= 2 and observed else ()


def _start_block(text: str, page: PageEvidence) -> int:
    """Index of the page block where the body's first line starts, or -1 when not found."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    head = _key(first)[: 3 * _KEY_PROBE]
    if not head:
        return -1
    return next((i for i, b in enumerate(page.blocks) if head in b.key), -1)


def _run_left_out(blocks: Any, hay: str) -> int:
    """Words of prose in the run of blocks up to the first page furniture or covered block."""
    missing = 0
    for b in blocks:
        if b.hidden or b.words == 0:
            continue
        if b.boilerplate or _found(b.key, hay) > 0:
            break
        if b.prose:
            missing += b.words
    return missing


def prose_left_out(text: str, page: PageEvidence) -> int:
    """Words of article prose the body skips: right before it, between its ends, right after.

    Before its start and after its end, prose is counted up to the first block of page
    furniture or the first block the body does contain, so a body that stops early inside its
    article is told from one that stops at the comments; between its ends, every visible prose
    block outside page furniture that the body lacks counts (a paragraph dropped from the
    middle, or an introduction kept in a <header> that precise extraction drops).
    """
    end = _end_block(text, page)
    if end < 0:
        return 0
    start = _start_block(text, page)
    hay = _key(text)
    missing = 0
    if 0 <= start < end:
        for b in page.blocks[start:end]:
            if b.prose and _found(b.key, hay) == 0:
                missing += b.words
    if start > 0:
        missing += _run_left_out(reversed(page.blocks[:start]), hay)
    return missing + _run_left_out(page.blocks[end + 1 :], hay)


def needs_second_opinion(text: str, page: PageEvidence) -> tuple[str, ...]:
    """Why the body may be incomplete: low prose coverage, prose after its end, a cut, JSON-LD."""
    reasons: list[str] = []
    got = support(text, page)
    if got.coverage < COVERAGE_MIN and got.prose - got.covered >= MISSING_MIN_WORDS:
        reasons.append(f"covers {got.coverage:.0%} of the page's prose")
    if (left_out := prose_left_out(text, page)) >= MISSING_MIN_WORDS:
        reasons.append(f"leaves out {left_out} words of prose around or within it")
    if stops_mid_paragraph(text, page):
        reasons.append("stops mid-paragraph")
    words = count_words(text)
    if page.ld_body and count_words(page.ld_body) >= 1.25 * words + MISSING_MIN_WORDS:
        reasons.append("JSON-LD articleBody is longer")
    return tuple(reasons)


def ld_body_supported(page: PageEvidence, min_share: float = 0.8) -> bool:
    """True when the JSON-LD articleBody is text the page visibly shows (not a different story)."""
    body = _key(page.ld_body)
    if len(body) < _KEY_PROBE:
        return False
    visible = "".join(b.key for b in page.blocks if not b.hidden)
    step = max(_KEY_PROBE, len(body) // 12)
    probes = [body[i : i + _KEY_PROBE] for i in range(0, len(body) - _KEY_PROBE + 1, step)]
    return sum(p in visible for p in probes) >= min_share * len(probes)


# --- extraction --------------------------------------------------------------------------------

# Options chosen by measurement on news-dev (bench/quality/extraction.py): favour_precision drops
# related-story teasers and share widgets (+0.013 F1); tables carry real content (-0.007 F1
# without them); fast mode skips the fallback extractors and loses recall (-0.026 F1).
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
}


@dataclass(frozen=True, slots=True)
class Extraction:
    """A document and how its body was found: the path that produced it and why."""

    document: Document
    path: str  # "trafilatura", "trafilatura-balanced", "trafilatura-recall" or "json-ld"
    reasons: tuple[str, ...] = ()  # why a second opinion was sought; () when it was not
    tried: tuple[str, ...] = ()  # second opinions computed (kept or not)
    analysed: bool = False  # the cheap gate let the full page analysis run


def _trafilatura(tree: Any, url: str, focus: str, *, metadata: bool = False) -> Any:
    """trafilatura with one focus; it works on its own copy of the tree, ours stays intact."""
    return trafilatura.bare_extraction(
        tree,
        url=url or None,
        favor_precision=focus == "precision",
        favor_recall=focus == "recall",
        with_metadata=metadata,
        **TRAFILATURA_OPTIONS,
    )


def _text_of(result: Any, headlines: tuple[str, ...]) -> str:
    text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    return _drop_title_line(text, *headlines)


SECOND_OPINIONS = ("json-ld", "trafilatura-balanced", "trafilatura-recall")


def _second_opinion(
    tree: Any,
    url: str,
    text: str,
    headlines: tuple[str, ...],
    page: PageEvidence,
    which: tuple[str, ...],
) -> tuple[str, str, tuple[str, ...]]:
    """The best-supported body among JSON-LD and trafilatura's balanced and recall modes.

    Cheapest first: the page's own articleBody (when the page visibly shows it), then balanced
    mode, then recall mode; the search stops once the kept body leaves nothing out.
    """
    best_path, best_text = "trafilatura", text
    base = support(text, page).score
    best = base + max(SUPPORT_MARGIN_WORDS, SUPPORT_MARGIN_SHARE * max(base, 0))
    tried: list[str] = []
    for path in SECOND_OPINIONS:
        if path not in which:
            continue
        if path == "json-ld":
            if not (page.ld_body and ld_body_supported(page)):
                continue
            candidate = page.ld_body.strip()
        else:
            focus = path.removeprefix("trafilatura-")
            candidate = _text_of(_trafilatura(tree, url, focus), headlines)
        tried.append(path)
        if candidate and (score := support(candidate, page).score) > best:
            best_path, best_text, best = path, candidate, score
            if not needs_second_opinion(candidate, page):
                break
    return best_path, best_text, tuple(tried)


def extract_article(
    html: str,
    *,
    url: str = "",
    source: str = "",
    second_opinions: tuple[str, ...] = SECOND_OPINIONS,
    max_elements: int = MAX_ELEMENTS,
) -> Extraction:
    """The article's main text and metadata, and which path produced it; ExtractError if none,
    PageTooComplexError over `max_elements` elements.

    `second_opinions` limits the fallbacks tried (the bench measures each one alone).
    """
    if not html.strip():
        raise ExtractError("The page is empty, so there is no article to read.")
    if max_elements > 0 and count_elements(html, max_elements) > max_elements:
        raise _too_complex(max_elements, f"over {max_elements} start tags")
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ExtractError("That page could not be read as HTML; paste the text instead.")
    elements = int(_COUNT_ELEMENTS(tree))
    if max_elements > 0 and elements > max_elements:
        raise _too_complex(max_elements, f"{elements} elements")
    result = _trafilatura(tree, url, "precision", metadata=True)
    title = (getattr(result, "title", None) or "").strip()
    headlines = (title, *(h.text_content() for h in _H1(tree)[:3]))
    text = _text_of(result, headlines)
    path, reasons, tried = "trafilatura", (), ()
    page = None
    if worth_a_look(text, tree):
        page = page_evidence(tree)
        reasons = needs_second_opinion(text, page)
        if reasons and second_opinions:
            path, text, tried = _second_opinion(tree, url, text, headlines, page, second_opinions)
    text = _drop_link_lines(text, tree)
    if page is not None and (evidence := is_paywall_teaser(text, page)):
        raise PaywallError(
            "That page shows only a teaser and asks to subscribe (paywall); paste the text instead.",
            detail="; ".join(evidence),
        )
    text = split_trailing_prompt(text)[0]
    if count_words(text) < MIN_WORDS:
        raise ExtractError(
            "No article text found on that page (it may need JavaScript, be paywalled or block "
            "bots); paste the text instead."
        )
    document = Document(
        source=source or url,
        text=text,
        title=title,
        author=(getattr(result, "author", None) or "").strip(),
        date=(getattr(result, "date", None) or "").strip(),
        site=(getattr(result, "sitename", None) or "").strip(),
        url=url,
        names=page_names(html),
    )
    return Extraction(document, path, reasons, tried, page is not None)


def extract_document(
    html: str, *, url: str = "", source: str = "", max_elements: int = MAX_ELEMENTS
) -> Document:
    """The article's main text and metadata; ExtractError when the page has too little text."""
    return extract_article(html, url=url, source=source, max_elements=max_elements).document


def count_elements(html: str, limit: int) -> int:
    """Start tags in `html`, counted up to `limit + 1` (a cheap scan: about 8 ms a megabyte)."""
    return sum(1 for _ in itertools.islice(_START_TAG.finditer(html), limit + 1))


def _too_complex(limit: int, detail: str) -> PageTooComplexError:
    return PageTooComplexError(
        f"That page has more than {limit:,} HTML elements, far more than an article needs, so "
        "it was not read; paste the text instead.",
        detail=detail,
    )


def _drop_title_line(text: str, *headlines: str) -> str:
    """The body without a leading headline that merely repeats the title (it has its own field).

    The title often carries the site's name ("Headline | Site"), so a first line whose letters
    are all part of the title's counts as the headline too; so does the page's own <h1>, which
    may word the story differently from <title>.
    """
    first, _, rest = text.partition("\n")
    line = _key(first)
    if not line or not rest.strip():
        return text
    for full in map(_key, headlines):
        if line == full or (len(line) >= 20 and line in full):
            return rest.strip()
    return text


def _drop_link_lines(text: str, root: Any) -> str:
    """The body without short lines that are the text of a link to another page.

    "Read more: <headline>", "Related: <headline>" and "Don't miss" lists are links to other
    stories that trafilatura keeps inside the article; a line counts when one link's text makes
    up most of it. The first line (often the article's own linked headline) and links whose text
    is an address (contact lines, "www.site.com") stay.
    """
    lines = text.split("\n")
    short = [i for i, line in enumerate(lines[1:], 1) if 0 < count_words(line) <= LINK_LINE_WORDS]
    if not short:
        return text
    links = {
        key
        for a in _LINKS(root)
        if len(key := _key(a.text_content())) >= LINK_LINE_MIN_CHARS
        and not _ADDRESS.search(a.text_content())
    }
    drop = set()
    for i in short:
        key = _key(lines[i])
        if any(len(link) >= LINK_LINE_SHARE * len(key) and link in key for link in links):
            drop.add(i)
    return "\n".join(line for i, line in enumerate(lines) if i not in drop) if drop else text
