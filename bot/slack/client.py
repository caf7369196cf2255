"""The Web API client every Slack call goes through: the bot token, SLACK_API_URL, 429 retries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

if TYPE_CHECKING:
    from bot.settings import Settings


def web_client(settings: Settings) -> WebClient:
    """Every Web API call goes to SLACK_API_URL; 429s wait for Retry-After and try again."""
    client = WebClient(token=settings.secret("slack_bot_token") or None, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client
