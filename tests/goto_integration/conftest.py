"""A GoTo sandbox served by uvicorn on a loopback port, and GoTo clients connected to it.

Nothing here uses ASGITransport: every call crosses a real socket, so what the tests see is what
the bot sees when GOTO_AUTH_URL and GOTO_API_URL point at a running sandbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from bot.goto import (
    GoToClient,
    GoToOAuth,
    LimiterRegistry,
    RateLimit,
    RefreshCoordinator,
    RetryPolicy,
    TokenSet,
)
from sandbox.goto import SandboxClock, SandboxState, Scenario, create_goto_sandbox
from sandbox.goto import default_scenario as load_default_scenario
from sandbox.serving import serve_in_loop

REDIRECT = "https://bot.example.com/goto/callback"
WEBINAR_APP = ("demo-webinar-app", "demo-webinar-secret")
TRAINING_APP = ("demo-training-app", "demo-training-secret")
ALICE = "1000000001"  # alice@example.com, webinar app
CAROL = "1000000003"  # carol@example.com, on both apps
TRUDY = "2000000001"  # trudy@example.com, training app

# Fast but real: a few quick retries so a test never waits on back-off for long.
FAST_RETRY = RetryPolicy(max_attempts=3, total_seconds=3.0, base_delay=0.05, max_delay=0.2)
NO_LIMIT = RateLimit(per_second=1000, burst=1000)


@dataclass
class RecordingStore:
    """TokenStore that remembers every save and every connection marked failed."""

    saved: list[tuple[int, TokenSet]] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)

    async def save(self, location_id: int, tokens: TokenSet) -> None:
        self.saved.append((location_id, tokens))

    async def connection_failed(self, location_id: int, problem: str) -> None:
        self.failures.append((location_id, problem))

    async def load(self, location_id: int) -> TokenSet | None:
        """The latest tokens saved for the location (what another process would read)."""
        mine = [tokens for saved_id, tokens in self.saved if saved_id == location_id]
        return mine[-1] if mine else None


@dataclass
class Button:
    name: str
    value: str
    label: str = ""


class FormParser(HTMLParser):
    """Reads the one form of a page: action, method, inputs, selects and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.inputs: dict[str, str] = {}
        self.selects: dict[str, list[str]] = {}
        self.buttons: list[Button] = []
        self._select: str | None = None
        self._button: Button | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            assert self.action is None, "the page has more than one form"
            self.action = attr.get("action", "")
            self.method = attr.get("method", "get").lower()
        elif tag == "input" and attr.get("name"):
            self.inputs[attr["name"]] = attr.get("value", "")
        elif tag == "select":
            self._select = attr["name"]
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append(attr["value"])
        elif tag == "button":
            self._button = Button(attr.get("name", ""), attr.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.label += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "button" and self._button is not None:
            self._button.label = self._button.label.strip()
            self.buttons.append(self._button)
            self._button = None

    def submission(self, button_label: str, choices: dict[str, str]) -> dict[str, str]:
        """The form data a browser sends when `button_label` is pressed after choosing."""
        data = dict(self.inputs)
        for name, value in choices.items():
            assert name in self.selects, f"no <select name={name!r}> on the page"
            assert value in self.selects[name], f"{value!r} is not offered in {name!r}"
            data[name] = value
        pressed = [b for b in self.buttons if b.label == button_label]
        assert len(pressed) == 1, f"no single {button_label!r} button in {self.buttons}"
        data[pressed[0].name] = pressed[0].value
        return data


def redirect_query(response: httpx.Response) -> dict[str, str]:
    """Query parameters of a 302's Location (where the browser would land)."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Sandbox:
    """A running sandbox: its URL, its in-process state and an HTTP session for the controls."""

    url: str
    app: Starlette
    http: httpx.AsyncClient
    stack: contextlib.AsyncExitStack

    @property
    def state(self) -> SandboxState:
        state: SandboxState = self.app.state.sandbox
        return state

    def oauth(self, retry: RetryPolicy = FAST_RETRY) -> GoToOAuth:
        return GoToOAuth(auth_url=self.url, api_url=self.url, retry=retry)

    async def control(self, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        """Call /_sandbox/{path} and return its JSON."""
        response = await self.http.request(method, f"/_sandbox/{path}", json=body)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    async def advance(self, seconds: float) -> None:
        await self.control("POST", "clock", {"advance_seconds": seconds})

    async def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """The sandbox's API request log (method, path, status, client_id)."""
        log: list[dict[str, Any]] = (await self.control("GET", "requests"))["requests"]
        return log[since:]

    async def mark(self) -> int:
        return len(await self.requests())

    async def event(self, product: str, key: str) -> dict[str, Any]:
        """One webinar or training from /_sandbox/state."""
        dump = await self.control("GET", "state")
        found: dict[str, Any] = next(e for e in dump[product] if e["key"] == key)
        return found

    async def consent_page(
        self, client_id: str, state: str = "csrf-42", oauth: GoToOAuth | None = None
    ) -> tuple[FormParser, str]:
        """Open the authorize URL the client builds; the parsed form and where it posts."""
        url = (oauth or self.oauth()).authorize_url(client_id, REDIRECT, state)
        assert url.startswith(self.url + "/oauth/authorize?")
        page = await self.http.get(url)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        form = FormParser()
        form.feed(page.text)
        assert form.action is not None and form.method == "post"
        return form, urljoin(str(page.url), form.action)

    async def authorize(
        self, client_id: str, email: str, *, button: str = "Allow", state: str = "csrf-42"
    ) -> dict[str, str]:
        """Press a consent button as `email`; the query the browser brings back."""
        form, target = await self.consent_page(client_id, state)
        account_field = next(iter(form.selects))
        data = form.submission(button, {account_field: email})
        response = await self.http.post(target, data=data)
        return redirect_query(response)

    async def connect(self, app: tuple[str, str], email: str) -> TokenSet:
        """The whole OAuth dance for `email`: consent, code, exchange."""
        returned = await self.authorize(app[0], email)
        return await self.oauth().exchange_code(app[0], app[1], returned["code"], REDIRECT)

    async def client(
        self,
        tokens: TokenSet,
        *,
        app: tuple[str, str] = WEBINAR_APP,
        location_id: int = 1,
        store: RecordingStore | None = None,
        rate_limit: RateLimit = NO_LIMIT,
        retry: RetryPolicy = FAST_RETRY,
        http_timeout: httpx.Timeout | None = None,
        coordinator: RefreshCoordinator | None = None,
        **extra: Any,
    ) -> GoToClient:
        """A GoToClient for one location with its own limiter registry and refresh coordinator."""
        kwargs: dict[str, Any] = dict(extra)
        if http_timeout is not None:
            kwargs["timeout"] = http_timeout
        client = GoToClient.for_location(
            oauth=self.oauth(retry),
            client_id=app[0],
            client_secret=app[1],
            location_id=location_id,
            tokens=tokens,
            store=store if store is not None else RecordingStore(),
            rate_limit=rate_limit,
            retry=retry,
            limiters=LimiterRegistry(),
            coordinator=coordinator or RefreshCoordinator(),
            **kwargs,
        )
        self.stack.push_async_callback(client.aclose)
        return client


StartSandbox = Callable[..., Awaitable[Sandbox]]


@pytest.fixture
async def start_sandbox() -> AsyncIterator[StartSandbox]:
    """Starts sandboxes on free loopback ports; all are stopped after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            scenario: Scenario | None = None,
            *,
            rate_limit_per_second: float | None = None,
            latency_seconds: float = 0.0,
        ) -> Sandbox:
            app = create_goto_sandbox(
                scenario or load_default_scenario(),
                clock=SandboxClock(),
                rate_limit_per_second=rate_limit_per_second,
                latency_seconds=latency_seconds,
            )
            url = await stack.enter_async_context(serve_in_loop(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(5.0))
            )
            return Sandbox(url, app, http, stack)

        yield start


@pytest.fixture
async def sandbox(start_sandbox: StartSandbox) -> Sandbox:
    """The default demo scenario, no rate limit, no latency."""
    return await start_sandbox()


def scenario_with(**changes: Any) -> Scenario:
    """The default scenario with top-level fields replaced; `extra_<list>=[...]` appends."""
    data = load_default_scenario().model_dump()
    for name, value in changes.items():
        if name.startswith("extra_"):
            data[name.removeprefix("extra_")] = [*data[name.removeprefix("extra_")], *value]
        else:
            data[name] = value
    return Scenario.model_validate(data)
