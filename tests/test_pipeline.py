"""Pipeline wiring: file paths are never read from strings, concurrent requests share one fetch and
one LLM call, cache hits cost nothing, and chat articles are recorded for digests."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.errors import InputError, LLMUnavailableError
from bot.models import SummaryOptions
from bot.pipeline import Pipeline, text_document
from bot.services import build_pipeline
from bot.storage.schema import ChatArticle
from testsupport.openai_server import FakeOpenAI


async def make_pipeline(settings, db, **overrides) -> Pipeline:
    settings = settings.model_copy(update={"fetch_allow_private": True, **overrides})
    return build_pipeline(settings, db=db)


async def test_strings_that_are_not_links_are_refused_not_read_as_files(settings, db) -> None:
    pipeline = await make_pipeline(settings, db)
    try:
        for source in ("/etc/passwd", "README.md", "file:///etc/passwd"):
            with pytest.raises(InputError):
                await pipeline.document(source)
    finally:
        await pipeline.aclose()


async def test_concurrent_requests_fetch_and_summarise_once(settings, db, pages) -> None:
    with FakeOpenAI() as llm:
        llm.delay_all(0.3)
        pipeline = await make_pipeline(
            settings, db, openai_api_key="k", openai_base_url=llm.base_url, openai_model="m"
        )
        try:
            url = pages.url("/article")
            before = len(pages.requests_to("/article"))
            results = await asyncio.gather(
                *(
                    pipeline.summarise(url, SummaryOptions(), chat_id=chat_id)
                    for chat_id in (1, 2, 3)
                )
            )
            assert len(pages.requests_to("/article")) - before == 1
            assert len(llm.requests) == 1
            assert {r.summary.text for r in results if r.summary} == {results[0].summary.text}
            again = await pipeline.summarise(url, SummaryOptions(), chat_id=4)
            assert again.summary is not None and again.summary.cached
            assert len(llm.requests) == 1
        finally:
            await pipeline.aclose()
    async with db.session() as session:
        rows = (await session.execute(select(func.count()).select_from(ChatArticle))).scalar()
    assert rows == 4


async def test_llm_failure_is_an_error_unless_fallback_is_configured(settings, db) -> None:
    document = text_document("Title\n\n" + "The mayor said the bridge will open in May. " * 20)
    with FakeOpenAI() as llm:
        llm.fail_next(500, times=100)
        common = {
            "openai_api_key": "k",
            "openai_base_url": llm.base_url,
            "openai_max_retries": 0,
        }
        strict = await make_pipeline(settings, db, llm_fallback_offline=False, **common)
        try:
            with pytest.raises(LLMUnavailableError):
                await strict.summarise(document, SummaryOptions())
        finally:
            await strict.aclose()
        lenient = await make_pipeline(settings, db, **common)  # the fallback is the default
        try:
            result = await lenient.summarise(document, SummaryOptions())
            # Never cached: the next request asks the LLM again, and gets its summary.
            llm.recover()
            again = await lenient.summarise(document, SummaryOptions())
        finally:
            await lenient.aclose()
    assert result.summary is not None and result.summary.model == "offline"
    assert result.is_fallback and result.summary_kind == "fallback"
    assert result.warnings == ()  # nothing about keys or LLMs for the reader
    assert again.summary is not None and again.summary.model != "offline"
    assert again.summary_kind == "llm" and not again.summary.cached


async def test_offline_summaries_say_how_they_came_about_and_nothing_about_keys(
    settings, db
) -> None:
    document = text_document("Title\n\n" + "The mayor said the bridge will open in May. " * 20)
    offline = await make_pipeline(settings, db)  # no key: the operator chose offline
    result = await offline.summarise(document, SummaryOptions())
    assert (result.summary_kind, result.warnings) == ("offline", ())
    with FakeOpenAI() as llm:
        online = await make_pipeline(settings, db, openai_api_key="k", openai_base_url=llm.base_url)
        try:
            asked = await online.summarise(document, SummaryOptions(offline=True))
        finally:
            await online.aclose()
    assert asked.summary_kind == "requested" and llm.completions == []


async def test_no_session_is_held_across_the_fetch_or_the_llm_call(settings, db, pages) -> None:
    """Issue #12: a session held across network I/O makes a burst exhaust the pool."""
    from bot.storage.db import session_held

    seen: list[object] = []
    with FakeOpenAI() as llm:
        pipeline = await make_pipeline(
            settings, db, openai_api_key="k", openai_base_url=llm.base_url, openai_model="m"
        )
        fetch, summarise = pipeline.fetcher.fetch, pipeline.summariser.summarise

        async def watched_fetch(*args, **kwargs):
            seen.append(session_held())
            return await fetch(*args, **kwargs)

        async def watched_summarise(*args, **kwargs):
            seen.append(session_held())
            return await summarise(*args, **kwargs)

        pipeline.fetcher.fetch = watched_fetch  # type: ignore[method-assign]
        pipeline.summariser.summarise = watched_summarise  # type: ignore[method-assign]
        try:
            await pipeline.summarise(pages.url("/article"), SummaryOptions(), chat_id=9)
        finally:
            await pipeline.aclose()
    assert seen == [None, None]


async def test_a_link_farm_is_refused_with_a_clear_message(settings, db, pages) -> None:
    """Issue #17 item 9: 100,000 links took 28 s and about 900 MB to parse; now refused at once."""
    from bot.errors import PageTooComplexError

    links = "".join(f'<a href="/x{i}">link {i}</a>' for i in range(100_000))
    url = pages.add_route("/farm", f"<html><body><p>{'Words. ' * 60}</p>{links}</body></html>")
    pipeline = await make_pipeline(settings, db)
    try:
        with pytest.raises(PageTooComplexError, match="HTML elements"):
            await pipeline.summarise(url, SummaryOptions(offline=True), chat_id=1, user_id=1)
    finally:
        await pipeline.aclose()
