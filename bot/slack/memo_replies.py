"""What a rep is told in Slack about a voice memo, in the memo's thread: filed (with the updates
heard), which deal it is about, or why it failed; and the emoji on the memo that says where it is.

The worker and the listeners both answer through here, so a memo filed by the worker and one
filed from the "this deal" button look the same.
"""

from __future__ import annotations

from bot.services.memos import FiledMemo
from bot.slack.notifier import Notifier, Reaction
from bot.views.blocks import section
from bot.views.format import Display
from bot.views.memos import choose_deal_blocks, saved_blocks
from storage.memos import MemoJob
from storage.models import Deal


def tell_filed(notifier: Notifier, filed: FiledMemo, display: Display) -> None:
    job = filed.job
    blocks = saved_blocks(filed, display)
    notifier.reply(job.user_id, job.channel_id, job.message_ts, blocks[0]["text"]["text"], blocks)
    notifier.react(job.channel_id, job.message_ts, Reaction.FILED, replacing=Reaction.RECEIVED)


def ask_which_deal(notifier: Notifier, job: MemoJob, candidates: list[Deal], display: Display) -> None:
    blocks = choose_deal_blocks(job, candidates, display)
    notifier.reply(job.user_id, job.channel_id, job.message_ts, display.t("memo.which_deal"), blocks)


def tell_failed(notifier: Notifier, job: MemoJob, message: str) -> None:
    text = f":warning: {message}"
    notifier.reply(job.user_id, job.channel_id, job.message_ts, text, [section(text)])
    notifier.react(job.channel_id, job.message_ts, Reaction.FAILED, replacing=Reaction.RECEIVED)
