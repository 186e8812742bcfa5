"""Reading incoming messages: links (UTF-16 entity offsets), command text, forward origins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Message

from bot.clock import FakeClock
from bot.errors import InputError
from bot.telegram.access import start_of_day
from bot.telegram.messages import (
    body_text,
    chat_ref,
    command_args,
    links_in,
    mentions_bot,
    origin_html,
    pdf_attachment,
)
from testsupport.botapi import FakeBotAPI, detect_entities, parse_html

FAKE = FakeBotAPI()  # not started: only its message builders are used


def message(text: str, **kwargs: object) -> Message:
    data = FAKE.make_message(7, text, **kwargs)  # type: ignore[arg-type]
    msg = Message.de_json(data, None)
    assert msg is not None
    return msg


def test_links_in_plain_and_text_link_entities_with_astral_characters() -> None:
    text = "😀😀 https://a.example/x?q=1 and 😀 read this, then example.org/p"
    entities = [*detect_entities(text)]
    offset = len(text[: text.index("read this")].encode("utf-16-le")) // 2
    entities.append(
        {"type": "text_link", "offset": offset, "length": 9, "url": "https://b.example/y"}
    )
    entities.append(
        {"type": "url", "offset": len(text.encode("utf-16-le")) // 2 - 13, "length": 13}
    )
    msg = message(text, entities=entities)
    assert links_in(msg) == [
        "https://a.example/x?q=1",
        "https://b.example/y",
        "https://example.org/p",
    ]


def test_links_dedupe_and_skip_other_schemes() -> None:
    text = "x https://a.example/1 y https://a.example/1 z"
    entities = [
        *detect_entities(text),
        {"type": "text_link", "offset": 0, "length": 1, "url": "tg://user?id=5"},
    ]
    assert links_in(message(text, entities=entities)) == ["https://a.example/1"]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 😀é\n")), max_size=30))
def test_any_prefix_keeps_link_offsets_right(prefix: str) -> None:
    url = "https://news.example/story?id=42"
    msg = message(f"{prefix} {url} {prefix}")
    assert links_in(msg) == [url]


def test_command_text_and_mentions() -> None:
    msg = message("/summarize@newsfix_test_bot some text here")
    assert command_args(msg) == "some text here"
    assert body_text(msg) == "some text here"
    assert body_text(message("plain words")) == "plain words"
    assert mentions_bot(message("hey @NewsFix_Test_Bot look"), "newsfix_test_bot")
    assert not mentions_bot(message("hey @someone_else"), "newsfix_test_bot")


def test_origin_lines_parse_and_name_the_source() -> None:
    public = message("x", forward_origin=FAKE.origin_channel(-100, "Daily <News>", 9, "daily"))
    text, entities = parse_html(origin_html(public))
    assert text == "Forwarded from Daily <News>"
    assert entities[0]["url"] == "https://t.me/daily/9"
    user = message("x", forward_origin=FAKE.origin_user(5, "Ann & Bob"))
    assert parse_html(origin_html(user))[0] == "Forwarded from Ann & Bob"
    hidden = message("x", forward_origin=FAKE.origin_hidden("Sam"))
    assert "hidden account" in parse_html(origin_html(hidden))[0]
    assert origin_html(message("x")) == ""


def test_quota_day_starts_at_midnight_utc() -> None:
    clock = FakeClock(datetime(2026, 1, 2, 23, 59, tzinfo=UTC))
    assert start_of_day(clock.now()) == datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "mime_type", "is_pdf"),
    [
        ("report.pdf", "application/pdf", True),
        ("REPORT.PDF", "", True),  # no MIME type, a .pdf name
        ("scan", "application/pdf", True),  # no extension, a PDF MIME type
        ("feeds.opml", "text/x-opml", False),
        ("slides.zip", "application/zip", False),
    ],
)
def test_pdf_attachment_by_mime_type_or_name(name: str, mime_type: str, is_pdf: bool) -> None:
    msg = message("", extra={"document": FAKE.add_file(b"%PDF-1.4", name, mime_type)})
    assert (pdf_attachment(msg) is msg.document) is is_pdf
    assert pdf_attachment(message("just text")) is None
    assert pdf_attachment(None) is None


@pytest.mark.parametrize(
    ("arg", "ref"),
    [
        ("@mychannel", "@mychannel"),
        ("https://t.me/mychannel", "@mychannel"),
        ("http://t.me/mychannel/", "@mychannel"),
        ("t.me/mychannel", "@mychannel"),
        ("t.me/MyChannel/1234", "@MyChannel"),  # a link to one post names its channel
        ("https://t.me/s/mychannel", "@mychannel"),  # the web preview
        ("telegram.me/mychannel?start=x", "@mychannel"),
        ("-1001234567890", -1001234567890),
        ("-4567", -4567),
        # Not a chat: times and zones are /subscribe's, other sites' links are no chats.
        ("https://example.com/mychannel", None),
        ("https://example.com/t.me/mychannel", None),
        ("07:30", None),
        ("7", None),
        ("Europe/Madrid", None),
        ("@", None),
    ],
)
def test_chat_ref_reads_every_way_of_naming_a_chat(arg: str, ref: int | str | None) -> None:
    assert chat_ref(arg) == ref


@pytest.mark.parametrize(
    "link",
    [
        "https://t.me/+AbCdEf123",  # an invite link: the Bot API cannot look it up
        "t.me/joinchat/AbCdEf",
        "https://t.me/",
        "t.me/abc",  # shorter than any username
    ],
)
def test_chat_ref_refuses_a_t_me_link_that_names_no_public_chat(link: str) -> None:
    with pytest.raises(InputError, match="@username or its numeric id"):
        chat_ref(link)
