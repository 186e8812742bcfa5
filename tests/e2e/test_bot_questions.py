"""Questions about an article end to end: a reply to a summary is answered from that article
(offline: its best sentences; LLM: checked quotes), "the article does not say", and a question
with no article behind it."""

from __future__ import annotations

from pathlib import Path

from tests.telegram.harness import running_bot
from testsupport.openai_server import RecordedRequest

USER = 77
GROUP = -1001555000002


async def _summary(h, chat_id: int, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    h.tg.push_message(chat_id, f"/summarize {h.pages.url('/article')}", **kwargs)
    call = await h.tg.wait_for("sendMessage", chat_id=chat_id)
    return call.result


async def test_offline_answers_from_the_article_or_says_it_does_not(tmp_path: Path) -> None:
    async with running_bot(tmp_path, with_llm=False) as h:
        summary = await _summary(h, USER)
        h.tg.push_message(USER, "How much will the bridge cost?", reply_to=summary["message_id"])
        answer = await h.tg.wait_for_text(USER, "From")
        assert "42 million euros" in answer["text"]
        assert "best-matching sentences" in answer["text"]
        h.tg.push_message(
            USER, "Which football team won the championship?", reply_to=summary["message_id"]
        )
        await h.tg.wait_for_text(USER, "The article does not say")
        # A reply to a bot message that is not a summary: one clear message.
        h.tg.push_message(USER, "/help")
        helped = await h.tg.wait_for_text(USER, "Privacy.")
        h.tg.push_message(USER, "What does this mean?", reply_to=helped["message_id"])
        await h.tg.wait_for_text(USER, "I can only answer questions about an article")
        assert h.tg.errors() == []


def _answer(request: RecordedRequest) -> str:
    if "<question>" not in request.text:
        return "- **Mayor Anna Keller** said the bridge will connect two neighbourhoods."
    asked = request.text.rsplit("<question>", 1)[1]
    if "cost" in asked:
        return 'Opponents said the projected cost of "42 million euros was too high".'
    if "mayor" in asked.lower():
        return 'The mayor said "this bridge will solve every problem we have".'  # not in text
    return "NOT IN ARTICLE"


async def test_llm_answers_are_checked_against_the_article(tmp_path: Path) -> None:
    async with running_bot(tmp_path, llm_reply=_answer) as h:
        h.tg.chat(GROUP, "supergroup", title="Readers")
        summary = await _summary(h, GROUP, user_id=USER)
        h.tg.push_message(
            GROUP, "What about the cost?", user_id=USER, reply_to=summary["message_id"]
        )
        answer = await h.tg.wait_for_text(GROUP, "42 million euros was too high")
        assert "💬" in answer["text"]
        h.tg.push_message(
            GROUP, "What did the mayor say?", user_id=USER, reply_to=summary["message_id"]
        )
        fallback = await h.tg.wait_for_text(GROUP, "quoted words the article does not contain")
        assert "solve every problem" not in fallback["text"]
        assert "Anna Keller" in fallback["text"]  # the article's own sentence instead
        h.tg.push_message(
            GROUP, "Who won the election?", user_id=USER, reply_to=summary["message_id"]
        )
        await h.tg.wait_for_text(GROUP, "The article does not say")
        question = next(r for r in h.llm.requests if "<question>" in r.text)
        assert "pedestrian bridge" in question.text  # the article's cached text, not the web
        assert h.tg.errors() == []
