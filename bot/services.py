"""The objects built at start-up and shared by the front ends (CLI, Telegram, digests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.ops.health import Health
from bot.ops.metrics import Metrics

if TYPE_CHECKING:
    from bot.pipeline import Pipeline
    from bot.storage.db import Database


@dataclass
class Services:
    """Everything a handler needs, injected instead of imported."""

    settings: Settings
    db: Database
    pipeline: Pipeline
    metrics: Metrics
    clock: Clock = SystemClock()  # noqa: RUF009 - stateless, safe to share
    health: Health = field(default_factory=Health)  # readiness state for /healthz
