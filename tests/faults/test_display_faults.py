"""Display faults: the digest's Markdown stripping."""

from __future__ import annotations

from bot.telegram.digest_html import key_lines


def test_digest_keeps_brackets_that_are_not_markdown() -> None:
    """Item 17: every '[' was deleted, so 'If this [deal] is going' became 'deal] is going'."""
    summary = (
        '- **Ana Ruiz** said: "If this [deal] is going ahead, we [the council] want a vote."\n'
        "- See [the report](https://x.example/r) and `the annex`; prices rose 5% [sic]."
    )
    assert key_lines(summary) == [
        'Ana Ruiz said: "If this [deal] is going ahead, we [the council] want a vote."',
        "See the report and the annex; prices rose 5% [sic].",
    ]


def test_headings_and_emphasis_are_plain_text_in_the_digest() -> None:
    assert key_lines("## Key points\n- *Bo* said __no__ & <b>x</b>") == [
        "Key points",
        "Bo said no & <b>x</b>",
    ]
