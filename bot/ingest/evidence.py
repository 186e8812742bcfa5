"""Cased names a web page carries outside its article text (pure: HTML string in, phrases out).

Content farms lowercase the article body, but the page around it usually keeps its casing: the
`<title>` and `og:title`, JSON-LD (`headline`, `author`, `publisher`, `about`, `mentions`,
`keywords`), `<meta name="keywords">` and `article:tag`, the byline, image `alt` texts and
captions, and link texts. `page_names` collects the cased phrases found there; the cleanup
stage's casing pass takes them as evidence for this document (`Document.names`).

Names proper (JSON-LD names, authors, keywords) are kept whole. Prose (titles, captions, alt
texts, link texts) gives its runs of capitalised words, minus a sentence-initial capital, which
marks position rather than a name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

import lxml.html
from lxml import etree

MAX_NAMES = 400  # phrases kept per page (a page links to hundreds of others)
MAX_PHRASE_WORDS = 8
MAX_HTML_CHARS = 3_000_000  # pages larger than this are read up to here
_JSON_NAME_KEYS = ("author", "creator", "publisher", "about", "mentions", "sourceOrganization")
_WORD = re.compile(r"[^\W\d_][\w'’.&-]*")
# Words that open sentences and headlines: capitalised there for position, not as names.
_OPENERS = frozenset(
    "the a an this that these those it its he she they we i you in on at but and or so if when "
    "while after before how why what who where which as for with by from to of new read watch "
    "see more our your my his her their there here is are was were be".split()
)
_INNER = frozenset({"of", "the", "de", "la", "del", "van", "von", "da", "and", "for", "&"})
_SPLIT = re.compile(r"\s*(?:[|–—:;,!?()\[\]“”\"]|\s-\s|\.\s)\s*")


def page_names(html: str) -> tuple[str, ...]:
    """Cased phrases from a page's head, structured data, captions and links."""
    if not html.strip():
        return ()
    try:
        root = lxml.html.document_fromstring(html[:MAX_HTML_CHARS])
    except (etree.ParserError, ValueError):
        return ()
    # A phrase is listed once per kind of place it was found in, so that a name the page repeats
    # in different places (keywords and a link, a title and a caption) shows that it does.
    names: dict[tuple[str, str], None] = {}
    for place, phrase in _phrases(root):
        phrase = " ".join(phrase.split())
        if phrase and (place, phrase) not in names and any(ch.isupper() for ch in phrase):
            names[(place, phrase)] = None
            if len(names) >= MAX_NAMES:
                break
    return tuple(phrase for _, phrase in names)


def _phrases(root: lxml.html.HtmlElement) -> Iterator[tuple[str, str]]:
    """(kind of place, phrase) for every phrase found."""
    for name in _meta(root, "author", "article:author", "byl", "dc.creator", "parsely-author"):
        yield from (("byline", phrase) for phrase in _names_proper([name]))
    for keywords in _meta(root, "keywords", "news_keywords", "article:tag", "parsely-tags"):
        yield from (("keywords", phrase) for phrase in _names_proper(keywords.split(",")))
    for data in _json_ld(root):
        yield from (("json-ld", phrase) for phrase in _from_json_ld(data))
    titles = [*_meta(root, "og:title", "twitter:title"), *root.xpath("//title/text()")]
    for text in titles:
        yield from (("title", phrase) for phrase in _capitalised_runs(text))
    for element in root.xpath("//*[@rel='author' or contains(@class, 'byline')]"):
        yield from (("byline", phrase) for phrase in _capitalised_runs(element.text_content()))
    for text in root.xpath("//img/@alt | //figcaption//text()"):
        yield from (("caption", phrase) for phrase in _capitalised_runs(text))
    for text in root.xpath("//a/text()"):
        yield from (("link", phrase) for phrase in _capitalised_runs(text))


def _meta(root: lxml.html.HtmlElement, *names: str) -> list[str]:
    found = []
    for element in root.xpath("//meta[@content]"):
        key = (element.get("name") or element.get("property") or "").lower()
        if key in names:
            found.append(element.get("content") or "")
    return found


def _json_ld(root: lxml.html.HtmlElement) -> Iterator[object]:
    for script in root.xpath("//script[@type='application/ld+json']/text()"):
        try:
            yield json.loads(script)
        except ValueError:
            continue


def _from_json_ld(data: object, depth: int = 0) -> Iterator[str]:
    """Names and headlines anywhere in a JSON-LD tree (bounded depth)."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _from_json_ld(item, depth + 1)
        return
    if not isinstance(data, dict):
        return
    for key in ("headline", "alternativeHeadline", "caption"):
        value = data.get(key)
        if isinstance(value, str):
            yield from _capitalised_runs(value)
    keywords = data.get("keywords")
    if isinstance(keywords, str):
        yield from _names_proper(keywords.split(","))
    elif isinstance(keywords, list):
        yield from _names_proper(k for k in keywords if isinstance(k, str))
    for key in _JSON_NAME_KEYS:
        yield from _json_names(data.get(key), depth + 1)
    for key in ("@graph", "mainEntity", "image", "video", "itemListElement"):
        if key in data:
            yield from _from_json_ld(data[key], depth + 1)


def _json_names(value: object, depth: int) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(value, str):
        yield from _names_proper([value])
    elif isinstance(value, list):
        for item in value:
            yield from _json_names(item, depth + 1)
    elif isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            yield from _names_proper([name])


def _names_proper(values: Iterable[str]) -> Iterator[str]:
    """Whole names ("Antony Blinken", "NATO"): kept when short and cased."""
    for value in values:
        value = " ".join(value.split())
        if 0 < len(value.split()) <= MAX_PHRASE_WORDS and value[:1].isupper():
            yield value


def _capitalised_runs(text: str) -> Iterator[str]:
    """Runs of capitalised words in prose; a clause's first word only when a name goes on."""
    for clause in _SPLIT.split(text):
        words = _WORD.findall(clause)
        run: list[str] = []
        for index, word in enumerate([*words, ""]):
            capital = word[:1].isupper()
            if capital or (run and word.lower() in _INNER):
                run.append(word)
                continue
            while run and run[-1].lower() in _INNER:
                run.pop()
            if run and run is not None:
                first_index = index - len(run)
                if first_index == 0 and (len(run) == 1 or run[0].lower() in _OPENERS):
                    run = run[1:]  # capitalised for position
                if run and len(run) <= MAX_PHRASE_WORDS:
                    yield " ".join(run)
            run = []
