"""The daily token quota and the per-request article cap, against the real openai client."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.storage.chats import ChatRepository
from tests.telegram.harness import running_bot
from testsupport.pages import ARTICLE_PARAGRAPHS, article_html

USER = 4343
WORDS = "The council said the bridge would open next spring, and critics disagreed. "


def _spent(llm) -> int:  # type: ignore[no-untyped-def]
    """Tokens the fake server billed (its usage numbers), summed over every completion."""
    total = 0
    for request in llm.completions:
        total += sum(max(1, len(str(m.get("content", ""))) // 4) for m in request.messages)
    return total


async def test_one_huge_text_link_cannot_overrun_a_small_quota(tmp_path: Path) -> None:
    """Item 10: with DAILY_TOKEN_QUOTA=300, 1 MB of text made 15 calls, ~244,000 tokens."""
    async with running_bot(tmp_path, daily_token_quota=300, fetch_max_bytes=2 << 20) as h:
        url = h.pages.add_route("/big.txt", (WORDS * 14000).encode(), content_type="text/plain")
        h.tg.push_message(USER, url)
        reply = await h.tg.wait_for_text(USER, "quota")
        assert "300 left" in reply["text"]
        assert h.llm.completions == []


async def test_five_links_in_one_message_share_one_quota(tmp_path: Path) -> None:
    """Item 10: one message with 5 links spent 600 tokens of a 300-token quota."""
    quota = 3000
    async with running_bot(tmp_path, daily_token_quota=quota) as h:
        links = [
            h.pages.add_route(
                f"/story{i}",
                article_html(paragraphs=[f"{p} Part {i}." for p in ARTICLE_PARAGRAPHS]),
            )
            for i in range(5)
        ]
        h.tg.push_message(USER, "\n".join(links))
        await h.tg.wait_for_text(USER, "quota")
        used = await ChatRepository(h.services.db).user_tokens_since(
            USER, datetime(2000, 1, 1, tzinfo=UTC)
        )
        assert 0 < used <= quota
        assert 1 <= len(h.llm.completions) < 5


async def test_article_tokens_per_request_are_capped(tmp_path: Path) -> None:
    """Item 10: MAX_ARTICLE_TOKENS bounds what one link can send to the LLM, quota or not."""
    async with running_bot(tmp_path, max_article_tokens=2000, fetch_max_bytes=2 << 20) as h:
        url = h.pages.add_route("/big.txt", (WORDS * 14000).encode(), content_type="text/plain")
        h.tg.push_message(USER, url)
        reply = await h.tg.wait_for_text(USER, "first part")
        assert "Mayor Ana Ruiz" in reply["text"]
        assert len(h.llm.completions) == 1
        assert _spent(h.llm) < 2000 + 1000  # the article part plus the prompt's own text


def test_there_is_a_per_user_limit_by_default_and_the_readme_states_it() -> None:
    """Smaller: no per-user limit by default."""
    from bot.config import Settings
    from testsupport.corpora import ROOT

    default = Settings(_env_file=None).daily_token_quota  # type: ignore[call-arg]
    assert 0 < default <= 200_000
    assert f"DAILY_TOKEN_QUOTA={default}" in (ROOT / ".env.example").read_text()
    assert f"{default:,}" in (ROOT / "README.md").read_text()
