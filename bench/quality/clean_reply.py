"""How /clean answers real pages, before and after issue 19: one message or a file, how many
messages, and how many fixes a reader could not have seen in the list.

    .venv/bin/python -m bench.quality.clean_reply          # needs ../shared/corpora/news-dev

Every news-dev page is extracted and cleaned as the bot does; "before" is the old rule (text up
to 3,000 characters inline with the full repair list, split into as many messages as that took,
else a file), "after" is `format_clean` (one message when the whole reply fits, else a file with
the fixes as its caption). Pages whose id hashes to 0 mod 5 are the held-out part; nothing here
was tuned, but both parts are reported as for every quality figure.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys

from bot.clean import clean_document
from bot.errors import BotError
from bot.ingest.html import extract_document
from bot.models import Result
from bot.telegram.render import escape, format_clean, is_invisible, split_html, utf16_len
from testsupport.corpora import NEWS_DEV

OLD_INLINE_LIMIT = 3000


def old_messages(result: Result) -> int:
    """Messages the old /clean sent: the text and every repair in one HTML, split; or 1 file."""
    doc = result.document
    if utf16_len(doc.text) > OLD_INLINE_LIMIT:
        return 1
    repairs = result.clean.repairs if result.clean else ()
    lines = [f"{r.kind}: {r.before!r} -> {r.after!r}" for r in repairs[:50]]
    html = f"<b>{escape(doc.title)}</b>\n\n{escape(doc.text)}\n\n" + escape("\n".join(lines))
    return len(split_html(html))


def main() -> int:
    truth = NEWS_DEV / "ground-truth.json"
    if not truth.exists():
        print(f"news-dev corpus not found at {NEWS_DEV}", file=sys.stderr)
        return 2
    ids = sorted(json.loads(truth.read_text("utf-8")))
    rows: dict[str, list[dict[str, float]]] = {"tuning": [], "held-out": []}
    for page_id in ids:
        path = NEWS_DEV / "html" / f"{page_id}.html.gz"
        if not path.exists():
            continue
        try:
            document = extract_document(
                gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
            )
        except BotError:
            continue
        cleaned, repairs = clean_document(document)
        result = Result(document=cleaned, clean=repairs)
        after_inline = len(split_html(format_clean(result))) == 1
        part = (
            "held-out"
            if int(hashlib.sha256(page_id.encode()).hexdigest(), 16) % 5 == 0
            else "tuning"
        )
        rows[part].append(
            {
                "old_inline": utf16_len(cleaned.text) <= OLD_INLINE_LIMIT,
                "old_messages": old_messages(result),
                "new_inline": after_inline,
                "fixes": len(repairs.repairs),
                "invisible": sum(is_invisible(r) for r in repairs.repairs),
            }
        )
    print(
        "part      pages  text-in-chat before→after  messages/reply before→after  fixes  invisible"
    )
    for part, found in rows.items():
        n = len(found) or 1
        print(
            f"{part:9} {len(found):5}  "
            f"{sum(r['old_inline'] for r in found) / n:6.0%} → {sum(r['new_inline'] for r in found) / n:4.0%}"
            f"              {sum(r['old_messages'] for r in found) / n:4.2f} → 1.00"
            f"                   {sum(r['fixes'] for r in found):5}  {sum(r['invisible'] for r in found):5}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
