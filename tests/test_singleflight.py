from __future__ import annotations

import asyncio

import pytest

from bot.singleflight import SingleFlight


async def test_concurrent_calls_share_one_execution() -> None:
    group: SingleFlight[int] = SingleFlight()
    calls = 0
    release = asyncio.Event()

    async def work() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    tasks = [asyncio.create_task(group.run("k", work)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*tasks) == [42] * 5
    assert calls == 1
    assert len(group) == 0


async def test_errors_reach_every_waiter_and_next_call_retries() -> None:
    group: SingleFlight[int] = SingleFlight()
    attempts = 0

    async def failing() -> int:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    results = await asyncio.gather(
        *(group.run("k", failing) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ValueError) for r in results)
    assert attempts == 1
    with pytest.raises(ValueError):
        await group.run("k", failing)
    assert attempts == 2


async def test_different_keys_run_independently() -> None:
    group: SingleFlight[str] = SingleFlight()

    async def echo(value: str) -> str:
        await asyncio.sleep(0.01)
        return value

    assert await asyncio.gather(
        group.run("a", lambda: echo("a")), group.run("b", lambda: echo("b"))
    ) == ["a", "b"]
