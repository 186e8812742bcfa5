"""OPML import (listparser) and export (ElementTree): pure, bytes/strings in and out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import listparser

from bot.errors import InputError

MAX_OPML_BYTES = 1024 * 1024
MAX_FEEDS = 200  # per import; a chat following more than this is almost certainly a mistake


class NotOPMLError(InputError):
    default_message = (
        "That file is not an OPML feed list. Export your subscriptions as OPML from your feed "
        "reader and send the .opml file."
    )


@dataclass(frozen=True, slots=True)
class OPMLImport:
    """Feeds found in an OPML file, plus entries that were not usable feed URLs."""

    feeds: tuple[tuple[str, str], ...]  # (url, title)
    rejected: int


def parse_opml(data: bytes) -> OPMLImport:
    """OPML bytes → (url, title) pairs; NotOPMLError when the file is not OPML or lists nothing."""
    if len(data) > MAX_OPML_BYTES:
        raise NotOPMLError(
            f"That OPML file is larger than {MAX_OPML_BYTES // 1024} KB; split it into smaller files."
        )
    _require_well_formed(data)
    # Always bytes: listparser *downloads* a str that starts with http(s)://, which an uploaded
    # file must never be able to trigger.
    parsed = listparser.parse(bytes(data))
    if not parsed.get("version", "").startswith("opml"):
        raise NotOPMLError()
    feeds: list[tuple[str, str]] = []
    seen: set[str] = set()
    rejected = 0
    for item in parsed.feeds:
        url = str(item.get("url", "")).strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            rejected += 1
            continue
        if url in seen:
            continue
        seen.add(url)
        name = " ".join(str(item.get("title", "")).split())[:200]
        # Our export writes the URL where a feed has no title (OPML requires a text): reading it
        # back as the title would make an export/import round trip change the feed list.
        feeds.append((url, "" if name == url else name))
    if not feeds:
        raise NotOPMLError(
            "That OPML file lists no http(s) feed addresses, so nothing was imported."
        )
    if len(feeds) > MAX_FEEDS:
        raise NotOPMLError(
            f"That OPML file lists {len(feeds)} feeds; at most {MAX_FEEDS} can be imported at once."
        )
    return OPMLImport(tuple(feeds), rejected)


def _require_well_formed(data: bytes) -> None:
    # listparser reads a truncated file without complaint (and then finds no feeds); say what
    # is actually wrong. Expat resolves no external entities and limits entity amplification.
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(bytes(data), True)
    except xml.parsers.expat.ExpatError as exc:
        raise NotOPMLError(
            f"That file is not valid OPML: its XML is broken ({exc}). Export your subscriptions "
            "again from your feed reader and send the new .opml file.",
            detail=f"OPML XML error: {exc}",
        ) from exc


def export_opml(feeds: Sequence[tuple[str, str]], title: str = "News digest feeds") -> bytes:
    """(url, title) pairs → an OPML 2.0 document."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for url, name in feeds:
        ET.SubElement(body, "outline", type="rss", text=name or url, title=name or url, xmlUrl=url)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
