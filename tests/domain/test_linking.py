"""Linking a location to a GoTo account: single-use, expiring state (rule 1), one account per
location (rule 2), tokens sealed at rest (rule 9), and nothing changed when linking fails."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, delete, select

from domain.errors import InvalidInput, LinkFailed, NotAllowed, NotFound
from domain.models import LinkRequest, Location, Notice, Team
from domain.ports import LinkedAccount
from domain.services import linking, locations
from domain.services.linking import LINK_STATE_TTL, LinkResult, state_hash
from tests.domain.conftest import (
    CONSUMER_KEY,
    CONSUMER_SECRET,
    NOW,
    REDIRECT,
    World,
)

ADA = "U0ADA00001"  # admin of Alpha, which owns the webinar room
BEN = "U0BEN00001"  # admin of Beta
IVY = "U0IVY00001"  # instructor of Alpha
CODE = "the-consent-code"


async def alpha_room(world: World) -> tuple[Team, Location]:
    alpha = await world.make_team("Alpha", admins=[ADA], instructors=[IVY])
    return alpha, await world.make_location(ADA, alpha, "Webinar Room")


async def complete(
    world: World,
    state: str,
    *,
    code: str | None = CODE,
    error: str | None = None,
    now: datetime = NOW,
) -> LinkResult:
    """The OAuth callback: its state claimed, GoTo asked, the connection stored."""
    return await world.callback(state, code=code, error=error, now=now)


async def failed_completion(
    world: World,
    state: str,
    *,
    code: str | None = CODE,
    error: str | None = None,
    now: datetime = NOW,
    used_up: bool = False,
) -> LinkFailed:
    """The callback fails; the database is exactly as before, but for the link being used up
    when the failure came after GoTo was asked (`used_up`)."""
    before = await world.snapshot()
    with pytest.raises(LinkFailed) as caught:
        await complete(world, state, code=code, error=error, now=now)
    after = await world.snapshot()
    requests = after["LinkRequest"]
    if used_up:
        (request,) = [r for r in requests if r["state_hash"] == state_hash(state)]
        assert request["used_at"] == now
        request["used_at"] = None
    assert after == before
    return caught.value


# --- start ----------------------------------------------------------------------------------


async def test_starting_a_link_stores_a_hashed_single_use_state_for_ten_minutes(
    world: World,
) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    (request,) = await world.rows(LinkRequest)
    assert request.state_hash == state_hash(state) != state
    assert (request.location_id, request.user_id, request.workspace_id) == (
        room.id,
        ADA,
        room.workspace_id,
    )
    assert request.expires_at == NOW + LINK_STATE_TTL == NOW + timedelta(minutes=10)
    assert request.used_at is None


async def test_each_start_gets_its_own_state(world: World) -> None:
    _, room = await alpha_room(world)
    first = await world.start_link(room, by=ADA)
    second = await world.start_link(room, by=ADA)
    assert first != second
    assert len(await world.rows(LinkRequest)) == 2


async def test_only_admins_of_the_owner_team_start_a_link(world: World) -> None:
    _, room = await alpha_room(world)
    await world.make_team("Beta", admins=[BEN])
    for outsider in (BEN, IVY):
        with pytest.raises(NotAllowed) as caught:
            await world.start_link(room, by=outsider)
        assert caught.value.message == (
            "Only admins of team *Alpha*, which owns *Webinar Room*, can change it."
        )
    assert await world.rows(LinkRequest) == []


async def test_a_location_must_be_saved_before_it_is_linked(world: World) -> None:
    await alpha_room(world)
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await linking.start_link(uow, actor, 4242, now=NOW)
    assert caught.value.message == "That location no longer exists."


async def test_a_classroom_is_not_linked(world: World) -> None:
    alpha, _ = await alpha_room(world)
    classroom = await world.make_location(ADA, alpha, "Room 101", kind="classroom")
    with pytest.raises(InvalidInput) as caught:
        await world.start_link(classroom, by=ADA)
    assert caught.value.message == ("*Room 101* is a classroom; only GoTo locations are linked.")
    assert await world.rows(LinkRequest) == []


async def test_a_goto_location_without_its_secret_cannot_be_linked(world: World) -> None:
    _, room = await alpha_room(world)
    async with world.uow() as uow:
        stored = await uow.session.get(Location, room.id)
        assert stored is not None
        stored.consumer_secret_enc = None
        await uow.commit()
    with pytest.raises(InvalidInput) as caught:
        await world.start_link(room, by=ADA)
    assert caught.value.message == (
        "*Webinar Room* needs its consumer key and secret before linking: "
        "`/vilt location edit Webinar Room`."
    )


async def test_the_link_message_is_remembered_for_the_state(world: World) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    async with world.uow() as uow:
        await linking.remember_message(
            uow, state, channel="D0ADA00001", ts="1700000000.000100", response_url=None
        )
        await uow.commit()
    (request,) = await world.rows(LinkRequest)
    assert (request.message_channel, request.message_ts) == ("D0ADA00001", "1700000000.000100")


async def test_a_button_answered_through_its_response_url_is_handed_back_after_linking(
    world: World,
) -> None:
    _, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    hook = "https://hooks.slack.test/actions/T0ACME0001/1/abc"
    async with world.uow() as uow:
        await linking.remember_message(uow, state, response_url=hook)
        await uow.commit()
    result = await complete(world, state)
    # What the bot needs to replace the button with "linked" in Slack.
    assert (result.request.user_id, result.request.response_url) == (ADA, hook)
    assert (result.request.message_channel, result.request.message_ts) == (None, None)


# --- the state on the way to GoTo -----------------------------------------------------------


async def test_a_pending_state_sends_the_browser_to_gotos_consent_page_for_the_app(
    world: World,
) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    async with world.uow() as uow:
        url = await linking.authorize_redirect(
            uow, state, linker=world.linker, redirect_uri=REDIRECT, now=NOW
        )
    assert url == world.linker.authorize_url(
        consumer_key=CONSUMER_KEY, redirect_uri=REDIRECT, state=state
    )


@pytest.mark.parametrize("state", ["", "x" * 201, "not-a-state-we-gave-out"])
async def test_a_state_we_did_not_give_out_is_invalid(world: World, state: str) -> None:
    await alpha_room(world)
    async with world.uow() as uow:
        with pytest.raises(LinkFailed) as caught:
            await linking.pending_request(uow, state, now=NOW)
    assert caught.value.reason == "state_invalid"
    assert caught.value.message == (
        "This link is not valid. Start again from Slack with `/vilt location link` and the "
        "location's name; nothing was changed."
    )


@pytest.mark.parametrize(("length", "accepted"), [(200, True), (201, False)])
async def test_a_state_longer_than_200_characters_is_refused_even_if_stored(
    world: World, length: int, accepted: bool
) -> None:
    """States handed out are 43 characters; the callback does not look up anything overlong."""
    _, room = await alpha_room(world)
    state = "s" * length
    async with world.uow() as uow:
        uow.session.add(
            LinkRequest(
                state_hash=state_hash(state),
                workspace_id=room.workspace_id,
                location_id=room.id or 0,
                user_id=ADA,
                expires_at=NOW + LINK_STATE_TTL,
            )
        )
        await uow.commit()
    async with world.uow() as uow:
        if accepted:
            assert (await linking.pending_request(uow, state, now=NOW)).location_id == room.id
        else:
            with pytest.raises(LinkFailed) as caught:
                await linking.pending_request(uow, state, now=NOW)
            assert caught.value.reason == "state_invalid"


async def test_a_state_is_valid_until_just_before_it_expires(world: World) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    async with world.uow() as uow:
        request = await linking.pending_request(
            uow, state, now=NOW + LINK_STATE_TTL - timedelta(seconds=1)
        )
    assert request.location_id == room.id


async def test_a_state_expires_after_ten_minutes(world: World) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    async with world.uow() as uow:
        with pytest.raises(LinkFailed) as caught:
            await linking.authorize_redirect(
                uow, state, linker=world.linker, redirect_uri=REDIRECT, now=NOW + LINK_STATE_TTL
            )
    assert caught.value.reason == "state_expired"
    assert caught.value.message == (
        "This link expired (links last 10 minutes). Start a new link from Slack with "
        "`/vilt location link Webinar Room`."
    )


# --- completing the link --------------------------------------------------------------------


async def test_completing_a_link_stores_the_account_with_sealed_tokens(world: World) -> None:
    _, room = await alpha_room(world)
    account = world.linker.add_account(
        CODE, organizer_key="ORG-7", email="webinars@acme.test", now=NOW
    )
    state = await world.start_link(room, by=ADA)
    result = await complete(world, state, now=NOW + timedelta(minutes=1))
    assert result.location.id == room.id
    saved = await world.reload(Location, room.id)
    assert (saved.goto_organizer_key, saved.goto_account_key, saved.goto_email) == (
        "ORG-7",
        "acct-ORG-7",
        "webinars@acme.test",
    )
    assert (saved.linked_by, saved.linked_at) == (ADA, NOW + timedelta(minutes=1))
    assert (saved.access_expires_at, saved.connection_expires_at) == (
        account.access_expires_at,
        account.connection_expires_at,
    )
    assert saved.access_token_enc and saved.refresh_token_enc
    assert account.access_token not in saved.access_token_enc
    assert account.refresh_token not in saved.refresh_token_enc
    assert world.sealer.decrypt(saved.access_token_enc) == account.access_token
    assert world.sealer.decrypt(saved.refresh_token_enc) == account.refresh_token
    # GoTo was asked with the location's own app, its secret unsealed only for the exchange,
    # and the redirect address the consent page was given (GoTo refuses any other).
    assert world.linker.exchanges == [
        {
            "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET,
            "code": CODE,
            "redirect_uri": REDIRECT,
        }
    ]


async def test_a_linked_account_never_shows_its_tokens_in_logs(world: World) -> None:
    account = world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    shown = repr(account)
    assert "ORG-7" in shown
    assert account.access_token not in shown and account.refresh_token not in shown


async def test_a_completed_link_is_used_up(world: World) -> None:
    _, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    await complete(world, state)
    (request,) = await world.rows(LinkRequest)
    assert request.used_at == NOW


async def test_the_owner_teams_channel_is_told_once_with_no_secret(world: World) -> None:
    alpha, room = await alpha_room(world)
    account = world.linker.add_account(
        CODE, organizer_key="ORG-7", email="webinars@acme.test", now=NOW
    )
    await complete(world, await world.start_link(room, by=ADA))
    (notice,) = await world.rows(Notice)
    assert (notice.kind, notice.channel) == ("location_linked", alpha.channel_id)
    assert notice.text == (
        f":link: <@{ADA}> linked location *Webinar Room* to the GoToWebinar account "
        "webinars@acme.test. The connection lasts until 2026-12-27; I will warn this channel "
        "before it lapses."
    )
    for secret in (account.access_token, account.refresh_token, CONSUMER_SECRET):
        assert secret not in notice.text


async def test_a_used_state_cannot_link_again(world: World) -> None:
    _, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    await complete(world, state)
    world.linker.add_account("second-code", organizer_key="ORG-8", email="x@acme.test", now=NOW)
    refused = await failed_completion(world, state, code="second-code")
    assert refused.reason == "state_used"
    assert refused.message == (
        "This link was already used. Start a new link from Slack with "
        "`/vilt location link Webinar Room`."
    )
    assert (await world.reload(Location, room.id)).goto_organizer_key == "ORG-7"
    assert len(world.linker.exchanges) == 1


async def test_completing_one_link_leaves_other_pending_links_usable(world: World) -> None:
    alpha, room = await alpha_room(world)
    studio = await world.make_location(ADA, alpha, "Studio")
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    world.linker.add_account("studio-code", organizer_key="ORG-8", email="s@acme.test", now=NOW)
    room_state = await world.start_link(room, by=ADA)
    studio_state = await world.start_link(studio, by=ADA)
    await complete(world, room_state)
    assert [r.used_at for r in await world.rows(LinkRequest)] == [NOW, None]
    await complete(world, studio_state, code="studio-code")
    assert (await world.reload(Location, room.id)).goto_organizer_key == "ORG-7"
    assert (await world.reload(Location, studio.id)).goto_organizer_key == "ORG-8"


async def test_linking_again_clears_an_earlier_connection_failure(world: World) -> None:
    _, room = await alpha_room(world)
    await world.link(room, by=ADA, organizer_key="ORG-7")
    async with world.uow() as uow:
        stored = await uow.session.get(Location, room.id)
        assert stored is not None
        stored.connection_error = "GoTo refused the refresh token"
        await uow.commit()
    relinked = await world.link(room, by=ADA, organizer_key="ORG-7")
    assert (await world.reload(Location, room.id)).connection_error is None
    async with world.uow() as uow:
        view = await locations.describe(uow, relinked, now=NOW)
    assert view.status.state == "connected"


async def test_an_expired_state_cannot_complete_a_link(world: World) -> None:
    _, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    refused = await failed_completion(world, state, now=NOW + LINK_STATE_TTL)
    assert refused.reason == "state_expired"
    assert world.linker.exchanges == []


async def test_declining_consent_names_the_location_and_changes_nothing(world: World) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    refused = await failed_completion(world, state, code=None, error="access_denied")
    assert refused.reason == "denied"
    assert refused.message == (
        "You did not allow viltbot to use your GoTo account, so *Webinar Room* is not linked. "
        "To link it after all, click the Link button in Slack again (it works for 10 minutes "
        "after it was sent) or start a new link from Slack with `/vilt location link Webinar Room`."
    )
    assert world.linker.exchanges == []


async def test_another_goto_error_is_shown_shortened(world: World) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    refused = await failed_completion(world, state, code=None, error="server_error" + "!" * 100)
    assert refused.reason == "goto_error"
    assert refused.message == (
        f"GoTo refused the link ({('server_error' + '!' * 100)[:60]}). Nothing was changed."
    )


async def test_a_callback_without_a_code_is_invalid(world: World) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    refused = await failed_completion(world, state, code="")
    assert refused.reason == "state_invalid"
    assert refused.message == (
        "This link is not valid. Start again from Slack with `/vilt location link` and the "
        "location's name; nothing was changed."
    )
    assert world.linker.exchanges == []


async def test_a_code_goto_rejects_changes_nothing(world: World) -> None:
    _, room = await alpha_room(world)
    state = await world.start_link(room, by=ADA)
    refused = await failed_completion(world, state, code="a-code-goto-does-not-know", used_up=True)
    assert refused.reason == "code_used"
    # The link is used up once GoTo was asked, so the page says how to get a fresh one.
    assert refused.message == (
        "GoTo says this sign-in was already used or has expired. Nothing was changed. "
        "Start a new link from Slack with `/vilt location link Webinar Room`."
    )


# --- one GoTo account, one location (rule 2) ------------------------------------------------


async def test_an_account_linked_elsewhere_is_refused_naming_the_other_location(
    world: World,
) -> None:
    alpha, room = await alpha_room(world)
    studio = await world.make_location(ADA, alpha, "Studio")
    await world.link(studio, by=ADA, organizer_key="ORG-7", email="webinars@acme.test")
    world.linker.add_account(CODE, organizer_key="ORG-7", email="webinars@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    refused = await failed_completion(world, state, used_up=True)
    assert refused.reason == "account_taken"
    assert refused.message == (
        "The GoTo account webinars@acme.test is already linked to location *Studio*. Each GoTo "
        "account links to one location; sign in with another GoTo account. Nothing was changed. "
        "Start a new link from Slack with `/vilt location link Webinar Room`."
    )
    assert (await world.reload(Location, room.id)).goto_organizer_key is None


async def test_an_account_without_an_email_linked_elsewhere_is_refused_the_same_way(
    world: World,
) -> None:
    alpha, room = await alpha_room(world)
    studio = await world.make_location(ADA, alpha, "Studio")
    await world.link(studio, by=ADA, organizer_key="ORG-7")
    account = world.linker.add_account(CODE, organizer_key="ORG-7", email="", now=NOW)
    world.linker.accounts[CODE] = replace(account, email=None)
    refused = await failed_completion(world, await world.start_link(room, by=ADA), used_up=True)
    assert refused.message.startswith(
        "The GoTo account ORG-7 is already linked to location *Studio*. Each GoTo "
        "account links to one location; sign in with another GoTo account. Nothing was changed."
    )


async def test_an_account_linked_to_another_teams_location_is_refused_too(
    world: World,
) -> None:
    _, room = await alpha_room(world)
    beta = await world.make_team("Beta", admins=[BEN])
    beta_room = await world.make_location(BEN, beta, "Beta Room")
    await world.link(beta_room, by=BEN, organizer_key="ORG-7")
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    refused = await failed_completion(world, await world.start_link(room, by=ADA), used_up=True)
    assert "already linked to location *Beta Room*" in refused.message


async def test_a_location_may_be_linked_again_to_its_own_account(world: World) -> None:
    _, room = await alpha_room(world)
    first = await world.link(room, by=ADA, organizer_key="ORG-7")
    world.linker.add_account(
        CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW + timedelta(days=29), token="2"
    )
    later = NOW + timedelta(days=29)
    await complete(world, await world.start_link(room, by=ADA, now=later), now=later)
    saved = await world.reload(Location, room.id)
    assert saved.linked_at == later
    assert saved.access_token_enc != first.access_token_enc
    assert world.sealer.decrypt(saved.refresh_token_enc or "") == "refresh-ORG-7-2"


async def test_two_callbacks_racing_for_one_state_link_once(world: World) -> None:
    """Both callbacks read the state as pending; only one claim succeeds, one exchange is made."""
    _, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    outcomes = await asyncio.gather(
        complete(world, state), complete(world, state), return_exceptions=True
    )
    failures = [o for o in outcomes if isinstance(o, LinkFailed)]
    assert len([o for o in outcomes if isinstance(o, LinkResult)]) == 1
    assert [(f.reason, f.message) for f in failures] == [
        (
            "state_used",
            "This link was already used. Start a new link from Slack with "
            "`/vilt location link Webinar Room`.",
        )
    ]
    assert len(world.linker.exchanges) == 1
    assert len(await world.rows(Notice)) == 1


# --- what people are told -------------------------------------------------------------------


async def test_a_code_goto_rejects_says_which_location_to_link_again(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    room = await world.make_location(ADA, alpha, "R&D <Lab>")
    state = await world.start_link(room, by=ADA)
    refused = await failed_completion(world, state, code="a-code-goto-does-not-know", used_up=True)
    assert refused.message == (
        "GoTo says this sign-in was already used or has expired. Nothing was changed. "
        "Start a new link from Slack with `/vilt location link R&amp;D &lt;Lab&gt;`."
    )


async def test_a_hostile_location_name_in_the_linked_notice_is_text(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    room = await world.make_location(
        ADA, alpha, "<!channel> Room <http://evil.example|re-auth> <@U0BOSS0001>"
    )
    world.linker.add_account(CODE, organizer_key="ORG-7", email="a<b>@acme.test", now=NOW)
    await complete(world, await world.start_link(room, by=ADA))
    (notice,) = await world.rows(Notice)
    assert notice.text.startswith(
        f":link: <@{ADA}> linked location *&lt;!channel&gt; Room "
        "&lt;http://evil.example|re-auth&gt; &lt;@U0BOSS0001&gt;* to the GoToWebinar account "
        "a&lt;b&gt;@acme.test. "
    )


# --- no transaction open while GoTo is asked ------------------------------------------------


async def test_gotos_answer_is_awaited_with_no_transaction_open(world: World) -> None:
    """While the code exchange waits on GoTo, another unit of work writes and commits at once."""
    alpha, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    asked, answer = asyncio.Event(), asyncio.Event()
    exchange = world.linker.exchange_code

    async def slow_exchange(**kwargs: str) -> LinkedAccount:
        asked.set()
        await answer.wait()
        return await exchange(**kwargs)

    world.linker.exchange_code = slow_exchange  # type: ignore[method-assign]
    callback = asyncio.create_task(complete(world, state))
    await asyncio.wait_for(asked.wait(), 5)
    # The state is already used up and committed: a replay is refused without waiting.
    async with world.uow() as uow:
        (request,) = (await uow.session.execute(select(LinkRequest))).scalars().all()
        assert request.used_at == NOW
    async with asyncio.timeout(2):
        async with world.uow() as uow:
            team = await uow.session.get(Team, alpha.id)
            assert team is not None
            team.name = "Alpha Renamed"
            await uow.commit()
    answer.set()
    result = await callback
    assert result.location.goto_organizer_key == "ORG-7"
    assert (await world.reload(Team, alpha.id)).name == "Alpha Renamed"


async def test_a_location_deleted_while_goto_answers_is_not_half_linked(world: World) -> None:
    _, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    exchange = world.linker.exchange_code

    async def exchange_then_delete(**kwargs: str) -> LinkedAccount:
        account = await exchange(**kwargs)
        async with world.uow() as uow:
            await uow.session.execute(delete(Location).where(col(Location.id) == room.id))
            await uow.commit()
        return account

    world.linker.exchange_code = exchange_then_delete  # type: ignore[method-assign]
    with pytest.raises(LinkFailed) as caught:
        await complete(world, state)
    assert caught.value.reason == "state_invalid"
    assert await world.rows(Location) == [] and await world.rows(Notice) == []


async def test_a_location_whose_app_changed_while_goto_answers_is_not_linked(world: World) -> None:
    _, room = await alpha_room(world)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=NOW)
    state = await world.start_link(room, by=ADA)
    exchange = world.linker.exchange_code

    async def exchange_then_edit(**kwargs: str) -> LinkedAccount:
        account = await exchange(**kwargs)
        async with world.uow() as uow:
            stored = await uow.session.get(Location, room.id)
            assert stored is not None
            stored.consumer_key = "another-app"
            await uow.commit()
        return account

    world.linker.exchange_code = exchange_then_edit  # type: ignore[method-assign]
    with pytest.raises(LinkFailed) as caught:
        await complete(world, state)
    assert caught.value.message == (
        "The GoTo app of *Webinar Room* changed while you were signing in, so this link was not "
        "stored. Nothing was changed. Start a new link from Slack with "
        "`/vilt location link Webinar Room`."
    )
    saved = await world.reload(Location, room.id)
    assert saved.goto_organizer_key is None and saved.access_token_enc is None


# --- who is told (the owner team's channel) -------------------------------------------------


async def test_relinking_a_connected_location_to_the_same_account_tells_nobody(
    world: World,
) -> None:
    _, room = await alpha_room(world)
    await world.link(room, by=ADA, organizer_key="ORG-7")
    assert len(await world.rows(Notice)) == 1
    later = NOW + timedelta(days=10)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=later)
    result = await complete(world, await world.start_link(room, by=ADA, now=later), now=later)
    assert result.announced is False
    assert len(await world.rows(Notice)) == 1
    assert (await world.reload(Location, room.id)).linked_at == later


async def test_relinking_to_another_account_tells_the_team(world: World) -> None:
    _, room = await alpha_room(world)
    await world.link(room, by=ADA, organizer_key="ORG-7")
    world.linker.add_account(CODE, organizer_key="ORG-8", email="other@acme.test", now=NOW)
    await complete(world, await world.start_link(room, by=ADA))
    notices = await world.rows(Notice)
    assert len(notices) == 2 and "other@acme.test" in notices[-1].text


async def test_relinking_a_lapsed_or_failed_connection_tells_the_team(world: World) -> None:
    _, room = await alpha_room(world)
    await world.link(room, by=ADA, organizer_key="ORG-7")
    # The connection lapsed: 31 days later the same account links it again.
    later = NOW + timedelta(days=31)
    world.linker.add_account(CODE, organizer_key="ORG-7", email="w@acme.test", now=later)
    await complete(world, await world.start_link(room, by=ADA, now=later), now=later)
    assert len(await world.rows(Notice)) == 2
    async with world.uow() as uow:
        stored = await uow.session.get(Location, room.id)
        assert stored is not None
        stored.connection_error = "GoTo refused the refresh token"
        await uow.commit()
    world.linker.add_account("code-3", organizer_key="ORG-7", email="w@acme.test", now=later)
    await complete(world, await world.start_link(room, by=ADA, now=later), code="code-3", now=later)
    assert len(await world.rows(Notice)) == 3
