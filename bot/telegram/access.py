"""Who may use the bot, and how much: allow-lists, admins and the per-user daily token quota."""

from __future__ import annotations

from datetime import datetime, time

from bot.errors import AccessDeniedError, QuotaExceededError
from bot.models import TokenAllowance
from bot.services import Services
from bot.storage.chats import ChatRepository


def is_allowed(services: Services, *, user_id: int | None, chat_id: int | None) -> bool:
    """True when no allow-list is set, or the user or the chat is on one; admins always are."""
    settings = services.settings
    if not settings.allowed_user_ids and not settings.allowed_chat_ids:
        return True
    if user_id is not None and (
        user_id in settings.allowed_user_ids or user_id in settings.admin_user_ids
    ):
        return True
    return chat_id is not None and chat_id in settings.allowed_chat_ids


def check_allowed(services: Services, *, user_id: int | None, chat_id: int | None) -> None:
    """Raise AccessDeniedError when the allow-lists exclude this user and chat."""
    if not is_allowed(services, user_id=user_id, chat_id=chat_id):
        raise AccessDeniedError()


def is_admin(services: Services, user_id: int | None) -> bool:
    """True for the bot's operators (ADMIN_USER_IDS)."""
    return user_id is not None and user_id in services.settings.admin_user_ids


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day (quotas reset then)."""
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


async def tokens_used_today(services: Services, user_id: int) -> int:
    """LLM tokens the user spent since midnight UTC (cache hits are free)."""
    repo = ChatRepository(services.db, services.clock)
    return await repo.user_tokens_since(user_id, start_of_day(services.clock.now()))


async def quota_allowance(services: Services, user_id: int | None) -> TokenAllowance | None:
    """What is left of the user's daily quota, for every LLM call of one message (None =
    unlimited); QuotaExceededError when nothing is left."""
    quota = services.settings.daily_token_quota
    if quota <= 0 or user_id is None or is_admin(services, user_id):
        return None
    await check_quota(services, user_id)
    return TokenAllowance(quota - await tokens_used_today(services, user_id))


async def check_quota(services: Services, user_id: int | None) -> None:
    """Raise QuotaExceededError when the user's daily token quota is spent (admins exempt)."""
    quota = services.settings.daily_token_quota
    if quota <= 0 or user_id is None or is_admin(services, user_id):
        return
    used = await tokens_used_today(services, user_id)
    if used >= quota:
        raise QuotaExceededError(
            f"You have used today's summary quota ({used:,} of {quota:,} tokens). "
            "It resets at midnight UTC."
        )
