"""`/vilt element …` over signed HTTP: every reply word for word, and the rows behind it."""

from __future__ import annotations

from domain.models import LearningElement
from tests.e2e.conftest import ANN, BEN, TRAINING, Stack


async def sales_with_people(stack: Stack) -> None:
    """BOSS administers Sales; ANN is an instructor in it, BEN a learner."""
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> instructor")
    await stack.command(f"team add <@{BEN}> learner")


async def test_an_admin_adds_elements_and_every_member_lists_them(stack: Stack) -> None:
    await sales_with_people(stack)
    assert await stack.command("element new   “Negotiation   Basics” ") == (
        ":white_check_mark: Learning element *Negotiation Basics* added to the catalog of team "
        "*Sales*. `/vilt element list` shows the catalog."
    )
    await stack.command("element new Cold calling")
    (first, second) = await stack.rows(LearningElement)
    assert (first.title, second.title) == ("Negotiation Basics", "Cold calling")
    listing = "*Learning elements*\nTeam *Sales* (your active team)\n• *Cold calling* · no upcoming sessions\n• *Negotiation Basics* · no upcoming sessions"
    assert await stack.command("element list") == listing
    assert await stack.command("element list", user=BEN) == listing


async def test_a_title_that_would_mention_people_is_shown_as_text(stack: Stack) -> None:
    await sales_with_people(stack)
    reply = await stack.command("element new Sales <!channel> & <@U0BEN00001>")
    assert reply == (
        ":white_check_mark: Learning element *Sales &lt;!channel&gt; &amp; &lt;@U0BEN00001&gt;* "
        "added to the catalog of team *Sales*. `/vilt element list` shows the catalog."
    )
    assert await stack.command("element list", user=BEN) == (
        "*Learning elements*\nTeam *Sales* (your active team)\n"
        "• *Sales &lt;!channel&gt; &amp; &lt;@U0BEN00001&gt;* · no upcoming sessions"
    )


async def test_refusals_say_what_to_do_and_store_nothing(stack: Stack) -> None:
    assert (await stack.command("element list")).startswith(
        ":no_entry: `/vilt element list` is for members of a team. "
    )
    await sales_with_people(stack)
    assert await stack.command("element list") == (
        "Your teams have no learning elements yet. Add one with `/vilt element new <title>`."
    )
    assert await stack.command("element list", user=BEN) == (
        "Your teams have no learning elements yet."
    )
    assert await stack.command("element new") == ":warning: Usage: `/vilt element new <title>`"
    assert (await stack.command("element new Coaching", user=ANN)).startswith(
        ":no_entry: `/vilt element new` is for team admins. "
    )
    await stack.command("element new Coaching")
    assert await stack.command("element new COACHING") == (
        ":warning: Team *Sales* already has a learning element called *COACHING*. "
        "`/vilt element list` shows them."
    )
    assert [e.title for e in await stack.rows(LearningElement)] == ["Coaching"]
