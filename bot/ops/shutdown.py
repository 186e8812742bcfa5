"""Stop signals at any moment of `python -m bot run`: SIGTERM or SIGINT → a clean stop, status 0.

A service manager (systemd, Docker) sends SIGTERM whenever it likes, also in the middle of
start-up: while the database migrates, while getMe or setWebhook is in flight.

- `exit_on_sigterm_until_started()` covers the first moments (imports, settings), when nothing is
  open yet: SIGTERM there just exits with status 0 instead of dying by the signal.
- `run_until_stopped(serve)` runs `serve(closing)` as a task that the first stop signal cancels,
  wherever it is. `serve` pushes the undoing of every step onto the `AsyncExitStack` `closing` as
  soon as the step has begun; the stack is unwound afterwards by the caller's task, which no
  signal cancels, so closing the clients is never cut short. Later signals are logged and ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from types import FrameType

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def exit_on_sigterm_until_started() -> None:
    """Until the event loop takes over the signals, SIGTERM exits at once with status 0."""

    def exit_cleanly(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, exit_cleanly)


async def run_until_stopped(serve: Callable[[AsyncExitStack], Awaitable[None]]) -> bool:
    """Run `serve(closing)` until it returns or a stop signal cancels it, then unwind `closing`.

    Returns True when a stop signal ended it; an exception from `serve` is raised after the
    unwinding, as is one from the unwinding itself.
    """
    stop = _StopSignals(asyncio.get_running_loop())
    with stop.handled():
        async with AsyncExitStack() as closing:
            task = asyncio.create_task(serve(closing), name="serve")
            stop.target = task
            try:
                await task
            except asyncio.CancelledError:
                if stop.received is None:
                    raise  # cancelled by someone else: not ours to swallow
    return stop.received is not None


class _StopSignals:
    """Loop signal handlers that cancel `target` on the first stop signal and ignore the rest."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.target: asyncio.Task[None] | None = None
        self.received: signal.Signals | None = None

    def on_signal(self, signum: signal.Signals) -> None:
        """First signal: cancel the target; later ones only say that stopping is under way."""
        if self.received is not None:
            log.info("%s received while stopping; still closing", signum.name)
            return
        self.received = signum
        log.info("%s received; stopping", signum.name)
        if self.target is not None:
            self.target.cancel()

    @contextlib.contextmanager
    def handled(self) -> Iterator[None]:
        """Install the handlers for the block; restore the previous Python handlers after it."""
        installed: dict[signal.Signals, object] = {}
        try:
            for sig in STOP_SIGNALS:
                previous = signal.getsignal(sig)
                self.loop.add_signal_handler(sig, self.on_signal, sig)
                installed[sig] = previous
        except (ValueError, RuntimeError, NotImplementedError) as exc:
            # Not the main thread, or a platform without loop signal handlers: run unguarded.
            log.debug("stop signals not handled: %s", exc)
        try:
            yield
        finally:
            for sig, previous in installed.items():
                self.loop.remove_signal_handler(sig)
                if previous is not None:  # None: installed outside Python, nothing to restore
                    signal.signal(sig, previous)  # type: ignore[arg-type]


__all__ = ["STOP_SIGNALS", "exit_on_sigterm_until_started", "run_until_stopped"]
