"""The sandbox's in-memory GoTo: SandboxState, set up from a scenario and dumped as JSON.

Its parts live beside it: the records (records.py), keys and lookups (store.py), OAuth grants
(grants.py) and sessions (sessions.py).
"""

from __future__ import annotations

import random
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from .clock import SandboxClock
from .grants import OAuthGrants
from .records import (
    Account,
    Consumer,
    Event,
    Registrant,
    SandboxError,
    Settings,
    Training,
    Webinar,
    iso,
)
from .scenario import PollSpec, RegistrantSpec, Scenario, SessionSpec, TimeRangeSpec, resolve_time
from .sessions import SessionRecords

# Keys of events created in the sandbox: as long as the demo scenario's, so they are easy to type.
WEBINAR_KEY_DIGITS = 10
TRAINING_KEY_DIGITS = 10
# GoToWebinar's registration limit when the organizer sets none (the scenario's default too).
DEFAULT_REGISTRATION_LIMIT = 1000


class SandboxState(OAuthGrants, SessionRecords):
    """All mutable sandbox data; reachable from tests as app.state.sandbox."""

    def __init__(
        self,
        scenario: Scenario,
        clock: SandboxClock,
        *,
        rate_limit_per_second: float | None,
        latency_seconds: float,
    ) -> None:
        self.clock = clock
        # Polls every webinar created here gets (none unless the host asks, as on GoTo).
        self.new_webinar_polls: list[PollSpec] = []
        self._default_rate = rate_limit_per_second
        self._default_latency = latency_seconds
        self.requests = deque(maxlen=2000)
        self.reset(scenario)

    def reset(self, scenario: Scenario | None = None) -> None:
        """Forget everything (tokens, registrations, sessions) and reload the scenario."""
        if scenario is not None:
            self.scenario = scenario
        sc = self.scenario
        self.settings = Settings(
            token_includes_identity=sc.token_includes_identity,
            rotate_refresh_tokens=sc.rotate_refresh_tokens,
            access_token_lifetime_seconds=sc.access_token_lifetime_seconds,
            refresh_token_lifetime_seconds=sc.refresh_token_lifetime_seconds,
            authorization_code_lifetime_seconds=sc.authorization_code_lifetime_seconds,
            report_delay_seconds=sc.report_delay_seconds,
            training_registrant_lag_seconds=sc.training_registrant_lag_seconds,
            omit_empty_embedded=sc.omit_empty_embedded,
            rate_limit_per_second=self._default_rate,
            latency_seconds=self._default_latency,
        )
        self._rng = random.Random(sc.seed)
        self._used_keys = set()
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.grants = []
        self.buckets = {}
        self.faults = []
        self.requests.clear()
        self.accounts = {
            a.email.lower(): Account(
                a.email, a.first_name, a.last_name, a.organizer_key, a.account_key, a.time_zone
            )
            for a in sc.accounts
        }
        for account in self.accounts.values():
            self._used_keys.update({account.organizer_key, account.account_key})
        self.consumers = {
            c.client_id: Consumer(
                c.client_id,
                c.client_secret,
                c.name,
                c.product,
                [e.lower() for e in c.accounts],
                list(c.redirect_uris),
                c.token_includes_identity,
            )
            for c in sc.consumers
        }
        now = self.clock.now()
        self.webinars = {}
        for w in sc.webinars:
            self._used_keys.add(w.webinar_key)
            webinar = Webinar(
                webinar_key=w.webinar_key,
                webinar_id=w.webinar_id or self._nine_digit_id(),
                organizer_key=self._organizer_key(w.organizer),
                subject=w.subject,
                description=w.description,
                times=[time_range(t, now) for t in w.times],
                time_zone=w.time_zone,
                locale=w.locale,
                registration_limit=w.registration_limit,
                cancelled=w.cancelled,
                fields=list(w.fields),
                questions=list(w.questions),
                polls=list(w.polls),
            )
            self.webinars[webinar.webinar_key] = webinar
            self._seed_event(webinar, w.registrants, w.sessions, now)
        self.trainings = {}
        for t in sc.trainings:
            self._used_keys.add(t.training_key)
            training = Training(
                training_key=t.training_key,
                training_id=t.training_id or self._nine_digit_id(),
                organizer_key=self._organizer_key(t.organizer),
                name=t.name,
                description=t.description,
                times=[time_range(r, now) for r in t.times],
                time_zone=t.time_zone,
                cancelled=t.cancelled,
            )
            self.trainings[training.training_key] = training
            self._seed_event(training, t.registrants, t.sessions, now)

    def add_webinar(
        self,
        organizer_key: int,
        *,
        subject: str,
        times: list[tuple[datetime, datetime]],
        time_zone: str,
        description: str = "",
        registration_limit: int = DEFAULT_REGISTRATION_LIMIT,
    ) -> Webinar:
        """A new webinar (through the API or the control plane), listed and fetchable at once."""
        webinar = Webinar(
            webinar_key=self.new_key(WEBINAR_KEY_DIGITS),
            webinar_id=self._nine_digit_id(),
            organizer_key=organizer_key,
            subject=subject,
            description=description,
            times=sorted(times),
            time_zone=time_zone,
            locale="en_US",
            registration_limit=registration_limit,
            cancelled=False,
            fields=[],
            questions=[],
            polls=list(self.new_webinar_polls),
        )
        self.webinars[webinar.webinar_key] = webinar
        return webinar

    def add_training(
        self,
        organizer_key: int,
        *,
        name: str,
        times: list[tuple[datetime, datetime]],
        time_zone: str,
        description: str = "",
    ) -> Training:
        """A new training, listed and fetchable at once."""
        training = Training(
            training_key=self.new_key(TRAINING_KEY_DIGITS),
            training_id=self._nine_digit_id(),
            organizer_key=organizer_key,
            name=name,
            description=description,
            times=sorted(times),
            time_zone=time_zone,
            cancelled=False,
        )
        self.trainings[training.training_key] = training
        return training

    def _organizer_key(self, email: str) -> int:
        account = self.account_by_email(email)
        if account is None:  # the scenario validator already rejects this
            raise SandboxError(f"unknown organizer {email}")
        return account.organizer_key

    def _seed_event(
        self,
        event: Event,
        registrants: list[RegistrantSpec],
        sessions: list[SessionSpec],
        now: datetime,
    ) -> None:
        earliest = min(start for start, _ in event.times)
        for spec in registrants:
            key = self.new_key(19)
            event.registrants[key] = Registrant(
                registrant_key=key,
                email=spec.email,
                first_name=spec.first_name,
                last_name=spec.last_name,
                registration_date=min(now, earliest) - timedelta(days=1),
                fields=dict(spec.fields),
                responses=list(spec.responses.items()),
            )
        for s in sessions:
            start = resolve_time(s.start, now)
            session = self.start_session(event, s.polls, start=start)
            self.record_attendance(event, session, s.attendees)
            if s.duration_minutes is not None:
                self.end_session(event, session, start + timedelta(minutes=s.duration_minutes))

    def dump(self) -> dict[str, Any]:
        """A JSON-able picture of the state, with secrets and tokens left out."""
        now = self.clock.now()
        return {
            "now": iso(now),
            "scenario": self.scenario.name,
            "settings": dict(self.settings.__dict__),
            "consumers": [
                {
                    "client_id": c.client_id,
                    "name": c.name,
                    "product": c.product,
                    "accounts": c.account_emails,
                }
                for c in self.consumers.values()
            ],
            "accounts": [
                {
                    "email": a.email,
                    "name": a.name,
                    "organizerKey": str(a.organizer_key),
                    "accountKey": str(a.account_key),
                }
                for a in self.accounts.values()
            ],
            "webinars": [dump_event(w, now) for w in self.webinars.values()],
            "trainings": [dump_event(t, now) for t in self.trainings.values()],
            "connections": [
                {
                    "client_id": g.client_id,
                    "organizerKey": str(g.organizer_key),
                    "created": iso(g.created),
                    "revoked": g.revoked,
                    "live_access_tokens": sum(
                        1 for t in self.access_tokens.values() if t.grant is g and t.valid(now)
                    ),
                    "refresh_token_expires": max(
                        (
                            iso(t.expires)
                            for t in self.refresh_tokens.values()
                            if t.grant is g and t.valid(now)
                        ),
                        default=None,
                    ),
                }
                for g in self.grants
            ],
            "faults": [dict(f.__dict__) for f in self.faults],
        }


def time_range(spec: TimeRangeSpec, now: datetime) -> tuple[datetime, datetime]:
    """A scenario time range as absolute times; ValueError when it ends before it starts."""
    start = resolve_time(spec.start, now)
    end = (
        resolve_time(spec.end, now)
        if spec.end is not None
        else start + timedelta(minutes=spec.duration_minutes)
    )
    if end <= start:
        raise ValueError("a time must end after it starts")
    return start, end


def dump_event(event: Event, now: datetime) -> dict[str, Any]:
    """An event as /_sandbox/state shows it."""
    key = event.webinar_key if isinstance(event, Webinar) else event.training_key
    return {
        "key": str(key),
        "title": event.subject if isinstance(event, Webinar) else event.name,
        "organizerKey": str(event.organizer_key),
        "cancelled": event.cancelled,
        "times": [{"start": iso(s), "end": iso(e)} for s, e in event.times],
        "registrants": [
            {"registrantKey": str(r.registrant_key), "email": r.email, "status": r.status}
            for r in event.registrants.values()
        ],
        "sessions": [
            {
                "sessionKey": str(s.session_key),
                "start": iso(s.start),
                "end": iso(s.end) if s.end else None,
                "polls": s.polls,
                "attendees": [
                    {
                        "registrantKey": str(a.registrant_key),
                        "seconds": a.seconds(s.end or now),
                        "poll_answers": a.poll_answers,
                    }
                    for a in s.attendance.values()
                ],
            }
            for s in event.sessions
        ],
    }
