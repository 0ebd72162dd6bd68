"""Shared plumbing of the product clients: URLs, keys, JSON answers and paging."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from bot.goto.errors import (
    CreationOutcomeUnknown,
    EventNotCreated,
    NoAnswer,
    NotFound,
    UnexpectedResponse,
)
from bot.goto.models import Registrant, RegistrantSummary, parse, parse_list
from bot.goto.responses import json_body, json_or_none, raise_for_status, refusal_reason
from bot.goto.transport import GoToHttp

Key = str | int

# GoTo's maximum page size for the paged reporting lists.
PAGE_SIZE = 200
# Far above any real webinar; stops a server that keeps announcing more pages.
MAX_PAGES = 500

_DIGITS = re.compile(r"^\d{1,20}$")


def clean_key(value: Key, kind: str) -> str:
    """A GoTo key as a path segment; every key in the specs is an integer."""
    text = str(value).strip()
    if not _DIGITS.match(text):
        # Not even a number (e.g. a pasted 9-digit ID with dashes or a URL): GoTo would 404.
        raise NotFound(kind, text[:40] or "(empty)")
    return text


def iso_utc(when: datetime) -> str:
    """A time the way GoTo's specs write it: ISO 8601 in UTC, whole seconds, trailing Z."""
    if when.tzinfo is None:
        raise ValueError("GoTo times must be timezone-aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def same_email(a: str | None, b: str) -> bool:
    """Whether two addresses are the same mailbox for matching purposes."""
    return a is not None and a.strip().casefold() == b.strip().casefold()


def _embedded_items(body: Mapping[str, Any], collection: str, what: str) -> list[Any]:
    embedded = body.get("_embedded")
    if embedded is None:
        # HAL answers leave `_embedded` out entirely when the list is empty.
        return []
    if not isinstance(embedded, dict):
        raise UnexpectedResponse(what, "_embedded")
    items = embedded.get(collection)
    if items is None:
        # Tolerate another collection name: take the only list there is.
        lists = [v for v in embedded.values() if isinstance(v, list)]
        items = lists[0] if len(lists) == 1 else []
    if not isinstance(items, list):
        raise UnexpectedResponse(what, f"_embedded.{collection}")
    return items


def _total_pages(body: Mapping[str, Any]) -> tuple[int, int | None]:
    page = body.get("page")
    if not isinstance(page, dict):
        return 1, None
    total = page.get("totalPages")
    size = page.get("size")
    return (
        total if isinstance(total, int) and total > 0 else 1,
        size if isinstance(size, int) and size > 0 else None,
    )


class ProductClient:
    """Common base of WebinarClient and TrainingClient: URLs, paging and registrants."""

    base_path = ""
    event_kind = ""  # "webinar" or "training": the word in messages and NotFound
    event_segment = ""  # "webinars" or "trainings": the word in paths

    def __init__(self, http: GoToHttp) -> None:
        self._http = http
        self.base_url = f"{http.api_url}{self.base_path}"

    def _url(self, *segments: str) -> str:
        """Absolute URL from already-cleaned path segments."""
        return self.base_url + "".join("/" + quote(s, safe="") for s in segments)

    def _event_url(self, organizer_key: Key, event_key: Key, *rest: str) -> str:
        """URL of a webinar or training of an organizer, and below it."""
        return self._url(
            "organizers",
            clean_key(organizer_key, "organizer"),
            self.event_segment,
            clean_key(event_key, self.event_kind),
            *rest,
        )

    async def list_registrants(self, organizer_key: Key, event_key: Key) -> list[RegistrantSummary]:
        """All registrants (GoToTraining's copy can lag by up to two hours)."""
        key = clean_key(event_key, self.event_kind)
        body = await self._get_json(
            self._event_url(organizer_key, key, "registrants"),
            f"the registrants of {self.event_kind} {key}",
            kind=self.event_kind,
            key=key,
        )
        return parse_list(RegistrantSummary, body, "registrant list")

    async def find_registrant(
        self, organizer_key: Key, event_key: Key, email: str
    ) -> RegistrantSummary | None:
        """The registrant with this email (case-insensitive), if any."""
        registrants = await self.list_registrants(organizer_key, event_key)
        return next((r for r in registrants if same_email(r.email, email)), None)

    async def get_registrant(
        self, organizer_key: Key, event_key: Key, registrant_key: Key
    ) -> Registrant:
        """One registrant with join URL and status."""
        rkey = clean_key(registrant_key, "registrant")
        body = await self._get_json(
            self._event_url(organizer_key, event_key, "registrants", rkey),
            f"registrant {rkey}",
            kind="registrant",
            key=rkey,
        )
        return parse(Registrant, body, "registrant")

    async def delete_registrant(
        self, organizer_key: Key, event_key: Key, registrant_key: Key
    ) -> bool:
        """Cancel a registration; False when GoTo no longer knows it (already gone)."""
        rkey = clean_key(registrant_key, "registrant")
        response = await self._request(
            "DELETE", self._event_url(organizer_key, event_key, "registrants", rkey)
        )
        if response.status_code == 404:
            # A retried DELETE whose first attempt went through also lands here.
            return False
        raise_for_status(response, f"registrant {rkey}", kind="registrant", key=rkey)
        return True

    async def _get_json(
        self,
        url: str,
        what: str,
        *,
        kind: str,
        key: str,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """GET a JSON answer, mapping errors (404 → NotFound(kind, key))."""
        response = await self._http.request("GET", url, params=params)
        raise_for_status(response, what, kind=kind, key=key)
        return json_body(response, what)

    async def _request(self, method: str, url: str, *, json: Any = None) -> httpx.Response:
        """Send any call through the shared session; the caller checks the status."""
        return await self._http.request(method, url, json=json)

    async def _create(self, url: str, body: Mapping[str, Any], subject: str) -> httpx.Response:
        """POST a new webinar or training once: a lost answer is not resent.

        A resend could create the event twice, so a timeout or dropped connection after
        sending, or a 5xx answer, raises CreationOutcomeUnknown.
        """
        try:
            response = await self._http.request("POST", url, json=dict(body), idempotent=False)
        except NoAnswer as exc:
            raise CreationOutcomeUnknown(self.event_kind, subject, exc.reason) from exc
        if response.status_code >= 500:
            raise CreationOutcomeUnknown(self.event_kind, subject, f"HTTP {response.status_code}")
        if response.status_code >= 400 and response.status_code not in (401, 403, 404):
            raise EventNotCreated(
                self.event_kind,
                refusal_reason(json_or_none(response)),
                status_code=response.status_code,
            )
        return response

    async def _get_all_pages(
        self,
        url: str,
        what: str,
        *,
        collection: str,
        kind: str,
        key: str,
        declared_paging: bool,
        params: Mapping[str, str | int] | None = None,
    ) -> list[Any]:
        """All items of a list that GoTo may answer as a plain array or as HAL pages.

        `declared_paging` says whether the spec declares page/size for this path; where it
        does not, the first request carries no paging parameters and pages are only
        followed if GoTo answers in the paged shape anyway.
        """
        fixed = dict(params or {})
        first: dict[str, str | int] | None = (
            {**fixed, "page": 0, "size": PAGE_SIZE} if declared_paging else (fixed or None)
        )
        body = await self._get_json(url, what, kind=kind, key=key, params=first)
        if isinstance(body, list):
            return body
        if not isinstance(body, dict):
            raise UnexpectedResponse(what)
        items = _embedded_items(body, collection, what)
        total_pages, size = _total_pages(body)
        for number in range(1, min(total_pages, MAX_PAGES)):
            page_params: dict[str, str | int] = {**fixed, "page": number}
            if declared_paging or size is not None:
                page_params["size"] = PAGE_SIZE if declared_paging else (size or PAGE_SIZE)
            body = await self._get_json(url, what, kind=kind, key=key, params=page_params)
            if not isinstance(body, dict):
                raise UnexpectedResponse(what)
            page_items = _embedded_items(body, collection, what)
            if not page_items:
                break
            items.extend(page_items)
        return items
