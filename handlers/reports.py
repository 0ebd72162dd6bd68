"""`/vilt report <session> [csv]` and the report's "Download roster (CSV)" button.

The report is for admins of the session's owner team and its instructor. The roster goes as a
CSV file into a direct message with whoever asked, wherever they asked from.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject
from slack_sdk.web.async_client import AsyncWebClient

from domain import mrkdwn
from domain.completion_report import CompletionReport, roster_csv
from domain.errors import InvalidInput
from domain.services.reports import report_for
from handlers.commands import CommandRouter, Invocation, Subcommand, run_safely
from handlers.context import Request
from handlers.permissions import instructors
from handlers.registration import session_number, teller
from handlers.report_views import (
    REPORT_CSV_ACTION,
    csv_comment,
    csv_filename,
    csv_sent,
)

REPORT_USAGE = "/vilt report <number> [csv]"
# Blocks in one message (Slack's limit), the note about the rest included.
MAX_BLOCKS = 50


def parse(raw_args: str) -> tuple[int, bool]:
    """The session number and whether the CSV is wanted, from `<number> [csv]`."""
    words = raw_args.split()
    if len(words) > 2 or (len(words) == 2 and words[1].lower() != "csv"):
        raise InvalidInput(f"Usage: `{REPORT_USAGE}`; `/vilt sessions` shows the numbers.")
    return session_number(words[0] if words else "", REPORT_USAGE), len(words) == 2


async def load(request: Request, session_id: int) -> CompletionReport:
    """The report, if the actor may read it."""
    async with request.deps.uow() as uow:
        return await report_for(uow, request.actor, session_id, now=request.deps.clock())


async def send_csv(client: AsyncWebClient, user_id: str, report: CompletionReport) -> str:
    """Upload the roster into a DM with `user_id`; what to tell them."""
    opened = await client.conversations_open(users=user_id)
    channel = str(opened["channel"]["id"])
    await client.files_upload_v2(
        channel=channel,
        content=roster_csv(report),
        filename=csv_filename(report.session_id),
        title=f"Roster of {report.title} (session #{report.session_id})",
        initial_comment=csv_comment(report.title, report.session_id),
    )
    return csv_sent(report.title, report.session_id)


async def report_command(inv: Invocation) -> None:
    """`/vilt report <number> [csv]`: the report, or its roster as a CSV in a DM."""
    session_id, csv = parse(inv.raw_args)
    report = await load(inv.request, session_id)
    if csv:
        await inv.reply(await send_csv(inv.client, inv.actor.user_id, report))
        return
    if inv.request.deps.clock() < report.ends_at:
        ends = mrkdwn.date(report.ends_at, "{date_short_pretty} {time}")
        await inv.reply(
            f"*{mrkdwn.escape(report.title)}* (session `#{session_id}`) has not ended yet "
            f"(it ends {ends}); its report fills in once GoTo's attendance is read after the end."
        )
        return
    messages = inv.request.deps.report_renderer.messages(report)
    first = messages[0]
    blocks = [dict(block) for block in first.blocks]
    if len(messages) > 1:
        note = ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"The roster goes on beyond this message: the CSV has all of it "
                    f"(the button, or `/vilt report #{session_id} csv`)."
                )
            ]
        ).to_dict()
        blocks = [*blocks[: MAX_BLOCKS - 1], note]
    await inv.reply(first.text, blocks=blocks)


def register(app: AsyncApp, router: CommandRouter) -> None:
    """Add `/vilt report` and the CSV button."""
    router.add(
        Subcommand(
            "report",
            REPORT_USAGE,
            "a session's completion report, or with `csv` its roster as a file in a DM",
            report_command,
            instructors,
        )
    )

    @app.action(REPORT_CSV_ACTION)
    async def csv_clicked(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        request = Request.of(context)
        tell = teller(body, respond, client, request.actor.user_id)

        async def work() -> None:
            value = str((body.get("actions") or [{}])[0].get("value") or "")
            if not value.isdigit() or len(value) > 9:
                raise InvalidInput("This button is out of date; try `/vilt report <number> csv`.")
            report = await load(request, int(value))
            await tell(await send_csv(client, request.actor.user_id, report))

        await run_safely(tell, request.request_id, work())
