"""CPU stages run in worker processes (or threads where processes are not allowed), with a time
limit that the user hears about, errors that cross the process boundary intact, and a limit on
the stages one user runs at once."""

from __future__ import annotations

import asyncio
import pickle
import time

import pytest

from bot.errors import ExtractError, HTTPStatusError, PageTooComplexError
from bot.ingest.documents import document_from_fetched
from bot.ingest.html import count_elements, extract_document
from bot.metrics import Metrics
from bot.models import Document, Fetched
from bot.workers import ProcessCpuPool, ThreadCpuPool, build_cpu_pool, work_owner
from testsupport.pages import ARTICLE_PARAGRAPHS, article_html


def link_farm(links: int) -> str:
    """A page like the one of issue #17 item 9: a paragraph, then thousands of links."""
    items = "".join(f'<a href="/x{i}">link {i}</a>' for i in range(links))
    return f"<html><body><p>{'Some words here. ' * 50}</p>{items}</body></html>"


def spin(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def fail_extract() -> None:
    raise ExtractError("No article text found.", detail="internal detail")


def test_the_element_cap_refuses_a_link_farm_before_parsing() -> None:
    page = link_farm(100_000)
    started = time.perf_counter()
    with pytest.raises(PageTooComplexError, match="more than 30,000 HTML elements"):
        extract_document(page, url="https://farm.example/")
    assert time.perf_counter() - started < 2  # measured 0.03 s; parsing it took 28 s
    assert count_elements(page, 10) == 11  # the scan stops past the cap
    # An ordinary article is far below the cap and still extracted.
    html = article_html(title="Bridge", paragraphs=ARTICLE_PARAGRAPHS)
    assert "bridge" in extract_document(html, url="https://news.example/a").text.lower()


def test_errors_cross_a_process_boundary_with_their_fields() -> None:
    error = pickle.loads(pickle.dumps(HTTPStatusError(503, detail="upstream")))
    assert isinstance(error, HTTPStatusError)
    assert (error.status, error.detail) == (503, "upstream")
    assert "503" in error.user_message
    too_big = pickle.loads(pickle.dumps(PageTooComplexError(detail="x")))
    assert isinstance(too_big, ExtractError) and too_big.user_message.startswith("That page")


async def test_a_process_pool_extracts_and_kills_a_task_past_its_limit() -> None:
    metrics = Metrics()
    pool = ProcessCpuPool(1, metrics=metrics)
    try:
        await pool.start()
        html = article_html(title="Bridge", paragraphs=ARTICLE_PARAGRAPHS)
        fetched = Fetched(
            url="https://n.example/a", requested_url="", content_type="text/html", text=html
        )
        document = await pool.run("extract", document_from_fetched, fetched, "src", limit=30)
        assert isinstance(document, Document) and document.source == "src"
        with pytest.raises(ExtractError) as caught:
            await pool.run("extract", fail_extract, limit=30)
        assert caught.value.detail == "internal detail"  # raised in the worker, intact here
        started = time.monotonic()
        with pytest.raises(PageTooComplexError, match="took too long"):
            await pool.run("extract", spin, 30.0, limit=0.5)
        assert time.monotonic() - started < 10
        # The killed worker was replaced: the pool still answers.
        assert await pool.run("extract", spin, 0.0, limit=30) == "done"
        sample = metrics.registry.get_sample_value
        assert sample("bot_cpu_tasks_total", {"stage": "extract", "outcome": "timeout"}) == 1
        assert sample("bot_cpu_tasks_total", {"stage": "extract", "outcome": "ok"}) == 2
    finally:
        await pool.aclose()


async def test_threads_are_the_fallback_where_processes_cannot_start(monkeypatch) -> None:
    async def refuse(self: ProcessCpuPool) -> None:
        raise OSError(38, "Function not implemented")  # no POSIX semaphores, as in some sandboxes

    monkeypatch.setattr(ProcessCpuPool, "start", refuse)
    pool = await build_cpu_pool(2)
    try:
        assert pool.kind == "thread" and pool.workers == 2
        assert await pool.run("clean", spin, 0.0, limit=5) == "done"
    finally:
        await pool.aclose()


async def test_the_thread_pool_reports_a_task_past_its_limit() -> None:
    pool = ThreadCpuPool(1)
    try:
        with pytest.raises(PageTooComplexError, match="took too long"):
            await pool.run("extract", spin, 1.0, limit=0.2)
    finally:
        await pool.aclose()


async def test_one_user_runs_one_stage_at_a_time_and_others_are_not_held_up() -> None:
    pool = ThreadCpuPool(3, per_owner=1)
    try:

        async def job(owner: int, seconds: float) -> float:
            work_owner.set(owner)
            await pool.run("extract", spin, seconds, limit=10)
            return time.monotonic()

        started = time.monotonic()
        heavy = [asyncio.create_task(job(1, 0.3)) for _ in range(3)]
        await asyncio.sleep(0.05)
        other = await job(2, 0.0)
        # User 1's three stages ran one after another; user 2 did not wait for them.
        assert other - started < 0.3
        finished = sorted(await asyncio.gather(*heavy))
        assert finished[-1] - started >= 0.85
    finally:
        await pool.aclose()


def hog(megabytes: int) -> int:
    blocks = [bytearray(1024 * 1024) for _ in range(megabytes)]
    return len(blocks)


async def test_a_worker_past_its_memory_limit_fails_alone_and_the_pool_goes_on() -> None:
    pool = ProcessCpuPool(1, memory_mb=256)
    try:
        await pool.start()
        with pytest.raises(PageTooComplexError) as caught:
            await pool.run("extract", hog, 2000, limit=30)
        assert "MemoryError" in (caught.value.detail or "")
        assert await pool.run("extract", hog, 64, limit=30) == 64
    finally:
        await pool.aclose()
