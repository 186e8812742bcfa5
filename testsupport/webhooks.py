"""Telegram's side of webhook mode for tests: POST updates to the bot's replicas and re-deliver.

`WebhookSender` behaves like Telegram behind a load balancer: each update goes to the next
replica in turn with the secret header; a refused connection, a timeout or a non-200 answer is
retried on the next replica after a short pause, until some replica answers 200. So an update
sent while a replica is being killed or restarted is delayed, never dropped, as in production.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx

from testsupport.botapi import FakeBotAPI

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSender:
    """Delivers updates to webhook URLs round-robin, re-delivering until one answers 200."""

    def __init__(self, tg: FakeBotAPI, urls: list[str], secret: str) -> None:
        self.tg = tg
        self.urls = list(urls)
        self.secret = secret
        self._next = itertools.cycle(range(len(self.urls)))
        self._update_ids = itertools.count(1)
        self.attempts = 0  # POSTs made
        self.redeliveries = 0  # POSTs that had to be repeated
        self.delivered: list[int] = []
        self._client: httpx.AsyncClient | None = None

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def message_update(self, chat_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """An update carrying a new message (built by the fake Bot API, numbered here)."""
        return {
            "update_id": next(self._update_ids),
            "message": self.tg.make_message(chat_id, text, **kwargs),
        }

    async def deliver(self, update: dict[str, Any], *, within: float = 60.0) -> None:
        """POST until a replica answers 200 (Telegram retries for hours; a test for `within`)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=5)
        client = self._client
        async with asyncio.timeout(within):
            while True:
                url = self.urls[next(self._next)]
                self.attempts += 1
                try:
                    response = await client.post(
                        url, json=update, headers={SECRET_HEADER: self.secret}
                    )
                    if response.status_code == 200:
                        self.delivered.append(int(update["update_id"]))
                        return
                except httpx.TransportError:
                    pass
                self.redeliveries += 1
                await asyncio.sleep(0.2)

    async def send(self, chat_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """A user writes in a chat: build the update and deliver it; returns the update."""
        update = self.message_update(chat_id, text, **kwargs)
        await self.deliver(update)
        return update
