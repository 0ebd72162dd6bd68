"""Saving and restoring the GoTo sandbox's data, so a restarted sandbox goes on where it stopped.

A snapshot is plain JSON: the scenario and settings, consumer apps and accounts, connections
(grants) with their authorization codes and access and refresh tokens, webinars and trainings
with their registrants, sessions, attendance and poll answers, and how far the clock was moved.
Times are ISO 8601 strings. The tokens are the sandbox's own made-up ones: the bot holds them in
its database, so they are kept for its connections to stay valid after a restart.

Left out: rate-limit buckets, the request log and injected faults (a restart clears them).
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from typing import Any

from .records import (
    AccessToken,
    Account,
    Attendance,
    AttendancePart,
    AuthCode,
    Consumer,
    Grant,
    RefreshToken,
    Registrant,
    Session,
    Settings,
    Training,
    Webinar,
)
from .scenario import PollSpec, QuestionSpec, RegistrationFieldSpec, Scenario
from .state import SandboxState

SNAPSHOT_VERSION = 1


def _time(when: datetime) -> str:
    return when.isoformat()


def _time_or_none(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _parse(text: Any) -> datetime:
    when = datetime.fromisoformat(str(text))
    if when.tzinfo is None:
        raise ValueError("a saved time has no time zone")
    return when


def _parse_or_none(text: Any) -> datetime | None:
    return _parse(text) if text is not None else None


def _registrant_json(r: Registrant) -> dict[str, Any]:
    return {
        "registrant_key": r.registrant_key,
        "email": r.email,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "registration_date": _time(r.registration_date),
        "status": r.status,
        "fields": dict(r.fields),
        "responses": [[question, answer] for question, answer in r.responses],
        "late": r.late,
        "visible_from": _time_or_none(r.visible_from),
    }


def _registrant_from(data: dict[str, Any]) -> Registrant:
    return Registrant(
        registrant_key=int(data["registrant_key"]),
        email=str(data["email"]),
        first_name=str(data["first_name"]),
        last_name=str(data["last_name"]),
        registration_date=_parse(data["registration_date"]),
        status=str(data["status"]),
        fields={str(k): str(v) for k, v in dict(data["fields"]).items()},
        responses=[(str(q), str(a)) for q, a in data["responses"]],
        late=bool(data["late"]),
        visible_from=_parse_or_none(data["visible_from"]),
    )


def _session_json(s: Session) -> dict[str, Any]:
    return {
        "session_key": s.session_key,
        "start": _time(s.start),
        "end": _time_or_none(s.end),
        "polls": list(s.polls),
        "starting_organizer_key": s.starting_organizer_key,
        "attendance": [
            {
                "registrant_key": a.registrant_key,
                "parts": [[_time(p.join), _time_or_none(p.leave)] for p in a.parts],
                "poll_answers": {q: list(answers) for q, answers in a.poll_answers.items()},
            }
            for a in s.attendance.values()
        ],
    }


def _session_from(data: dict[str, Any]) -> Session:
    attendance: dict[int, Attendance] = {}
    for item in data["attendance"]:
        key = int(item["registrant_key"])
        attendance[key] = Attendance(
            registrant_key=key,
            parts=[
                AttendancePart(_parse(join), _parse_or_none(leave)) for join, leave in item["parts"]
            ],
            poll_answers={
                str(q): [str(a) for a in answers]
                for q, answers in dict(item["poll_answers"]).items()
            },
        )
    return Session(
        session_key=int(data["session_key"]),
        start=_parse(data["start"]),
        end=_parse_or_none(data["end"]),
        polls=[str(p) for p in data["polls"]],
        starting_organizer_key=int(data["starting_organizer_key"]),
        attendance=attendance,
    )


def _times_json(times: list[tuple[datetime, datetime]]) -> list[list[str]]:
    return [[_time(start), _time(end)] for start, end in times]


def _times_from(data: Any) -> list[tuple[datetime, datetime]]:
    return [(_parse(start), _parse(end)) for start, end in data]


def _webinar_json(w: Webinar) -> dict[str, Any]:
    return {
        "webinar_key": w.webinar_key,
        "webinar_id": w.webinar_id,
        "organizer_key": w.organizer_key,
        "subject": w.subject,
        "description": w.description,
        "times": _times_json(w.times),
        "time_zone": w.time_zone,
        "locale": w.locale,
        "registration_limit": w.registration_limit,
        "cancelled": w.cancelled,
        "fields": [f.model_dump(mode="json") for f in w.fields],
        "questions": [q.model_dump(mode="json") for q in w.questions],
        "polls": [p.model_dump(mode="json") for p in w.polls],
        "registrants": [_registrant_json(r) for r in w.registrants.values()],
        "sessions": [_session_json(s) for s in w.sessions],
    }


def _webinar_from(data: dict[str, Any]) -> Webinar:
    registrants = [_registrant_from(r) for r in data["registrants"]]
    return Webinar(
        webinar_key=int(data["webinar_key"]),
        webinar_id=str(data["webinar_id"]),
        organizer_key=int(data["organizer_key"]),
        subject=str(data["subject"]),
        description=str(data["description"]),
        times=_times_from(data["times"]),
        time_zone=str(data["time_zone"]),
        locale=str(data["locale"]),
        registration_limit=int(data["registration_limit"]),
        cancelled=bool(data["cancelled"]),
        fields=[RegistrationFieldSpec.model_validate(f) for f in data["fields"]],
        questions=[QuestionSpec.model_validate(q) for q in data["questions"]],
        polls=[PollSpec.model_validate(p) for p in data["polls"]],
        registrants={r.registrant_key: r for r in registrants},
        sessions=[_session_from(s) for s in data["sessions"]],
    )


def _training_json(t: Training) -> dict[str, Any]:
    return {
        "training_key": t.training_key,
        "training_id": t.training_id,
        "organizer_key": t.organizer_key,
        "name": t.name,
        "description": t.description,
        "times": _times_json(t.times),
        "time_zone": t.time_zone,
        "cancelled": t.cancelled,
        "registrants": [_registrant_json(r) for r in t.registrants.values()],
        "sessions": [_session_json(s) for s in t.sessions],
    }


def _training_from(data: dict[str, Any]) -> Training:
    registrants = [_registrant_from(r) for r in data["registrants"]]
    return Training(
        training_key=int(data["training_key"]),
        training_id=str(data["training_id"]),
        organizer_key=int(data["organizer_key"]),
        name=str(data["name"]),
        description=str(data["description"]),
        times=_times_from(data["times"]),
        time_zone=str(data["time_zone"]),
        cancelled=bool(data["cancelled"]),
        registrants={r.registrant_key: r for r in registrants},
        sessions=[_session_from(s) for s in data["sessions"]],
    )


def _clock_json(state: SandboxState) -> dict[str, Any]:
    clock = state.clock
    if clock.frozen:
        return {"frozen": True, "now": _time(clock.now())}
    return {"frozen": False, "offset_seconds": clock.offset().total_seconds()}


def snapshot(state: SandboxState) -> dict[str, Any]:
    """The sandbox's data as JSON-ready data (see the module's docstring)."""
    grant_index = {id(g): i for i, g in enumerate(state.grants)}
    return {
        "version": SNAPSHOT_VERSION,
        "clock": _clock_json(state),
        "scenario": state.scenario.model_dump(mode="json"),
        "settings": dict(state.settings.__dict__),
        "accounts": [
            {
                "email": a.email,
                "first_name": a.first_name,
                "last_name": a.last_name,
                "organizer_key": a.organizer_key,
                "account_key": a.account_key,
                "time_zone": a.time_zone,
            }
            for a in state.accounts.values()
        ],
        "consumers": [
            {
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "name": c.name,
                "product": c.product,
                "account_emails": list(c.account_emails),
                "redirect_uris": list(c.redirect_uris),
                "token_includes_identity": c.token_includes_identity,
            }
            for c in state.consumers.values()
        ],
        "grants": [
            {
                "grant_id": g.grant_id,
                "client_id": g.client_id,
                "organizer_key": g.organizer_key,
                "created": _time(g.created),
                "revoked": g.revoked,
            }
            for g in state.grants
        ],
        "codes": [
            {
                "code": code,
                "client_id": c.client_id,
                "organizer_key": c.organizer_key,
                "redirect_uri": c.redirect_uri,
                "expires": _time(c.expires),
                "used": c.used,
            }
            for code, c in state.codes.items()
        ],
        "access_tokens": [
            {
                "token": token,
                "grant": grant_index[id(t.grant)],
                "expires": _time(t.expires),
                "expired_by_control": t.expired_by_control,
            }
            for token, t in state.access_tokens.items()
            if id(t.grant) in grant_index
        ],
        "refresh_tokens": [
            {
                "token": token,
                "grant": grant_index[id(t.grant)],
                "expires": _time(t.expires),
                "replaced": t.replaced,
            }
            for token, t in state.refresh_tokens.items()
            if id(t.grant) in grant_index
        ],
        "webinars": [_webinar_json(w) for w in state.webinars.values()],
        "trainings": [_training_json(t) for t in state.trainings.values()],
    }


def restore(state: SandboxState, data: dict[str, Any]) -> bool:
    """Put a snapshot back in place of the state's data; True if it was, False for an unknown
    version. A snapshot that cannot be read raises (ValueError, KeyError, TypeError) and leaves
    the state as it was."""
    if data.get("version") != SNAPSHOT_VERSION:
        return False
    # Everything is read first, then put in place at once: a bad snapshot changes nothing.
    scenario = Scenario.model_validate(data["scenario"])
    saved_settings = dict(data["settings"])
    settings = Settings(
        **{name: saved_settings.get(name, value) for name, value in state.settings.__dict__.items()}
    )
    accounts = [
        Account(
            email=str(a["email"]),
            first_name=str(a["first_name"]),
            last_name=str(a["last_name"]),
            organizer_key=int(a["organizer_key"]),
            account_key=int(a["account_key"]),
            time_zone=str(a["time_zone"]),
        )
        for a in data["accounts"]
    ]
    consumers = [
        Consumer(
            client_id=str(c["client_id"]),
            client_secret=str(c["client_secret"]),
            name=str(c["name"]),
            product=str(c["product"]),
            account_emails=[str(e) for e in c["account_emails"]],
            redirect_uris=[str(u) for u in c["redirect_uris"]],
            token_includes_identity=c["token_includes_identity"],
        )
        for c in data["consumers"]
    ]
    grants = [
        Grant(
            grant_id=int(g["grant_id"]),
            client_id=str(g["client_id"]),
            organizer_key=int(g["organizer_key"]),
            created=_parse(g["created"]),
            revoked=bool(g["revoked"]),
        )
        for g in data["grants"]
    ]
    codes = {
        str(c["code"]): AuthCode(
            client_id=str(c["client_id"]),
            organizer_key=int(c["organizer_key"]),
            redirect_uri=c["redirect_uri"],
            expires=_parse(c["expires"]),
            used=bool(c["used"]),
        )
        for c in data["codes"]
    }
    access_tokens = {
        str(t["token"]): AccessToken(
            grant=grants[int(t["grant"])],
            expires=_parse(t["expires"]),
            expired_by_control=bool(t["expired_by_control"]),
        )
        for t in data["access_tokens"]
    }
    refresh_tokens = {
        str(t["token"]): RefreshToken(
            grant=grants[int(t["grant"])],
            expires=_parse(t["expires"]),
            replaced=bool(t["replaced"]),
        )
        for t in data["refresh_tokens"]
    }
    webinars = [_webinar_from(w) for w in data["webinars"]]
    trainings = [_training_from(t) for t in data["trainings"]]
    clock = dict(data["clock"])
    frozen_at = _parse(clock["now"]) if clock.get("frozen") else None
    offset = timedelta(seconds=float(clock.get("offset_seconds") or 0))

    state.scenario = scenario
    state.settings = settings
    state.accounts = {a.email.lower(): a for a in accounts}
    state.consumers = {c.client_id: c for c in consumers}
    state.grants = grants
    state.codes = codes
    state.access_tokens = access_tokens
    state.refresh_tokens = refresh_tokens
    state.webinars = {w.webinar_key: w for w in webinars}
    state.trainings = {t.training_key: t for t in trainings}
    state.buckets = {}
    state.faults = []
    state._used_keys = _keys_in_use(state)
    # The seeded sequence was used before the restart: new keys and ids come from elsewhere.
    state._rng = random.Random(secrets.randbits(64))
    if frozen_at is not None:
        state.clock.freeze()
        state.clock.set(frozen_at)
    else:
        state.clock.set_offset(offset)
    return True


def _keys_in_use(state: SandboxState) -> set[int]:
    keys: set[int] = set()
    for account in state.accounts.values():
        keys.update({account.organizer_key, account.account_key})
    events: list[Webinar | Training] = [*state.webinars.values(), *state.trainings.values()]
    for event in events:
        keys.add(event.webinar_key if isinstance(event, Webinar) else event.training_key)
        keys.update(event.registrants)
        keys.update(s.session_key for s in event.sessions)
    return keys
