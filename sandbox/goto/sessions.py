"""Sessions in the GoTo sandbox state: starting and ending them, attendance and poll answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .records import (
    Attendance,
    AttendancePart,
    Event,
    Registrant,
    SandboxError,
    Session,
    Training,
    Webinar,
)
from .scenario import AttendeeSpec
from .store import StateCore


class SessionRecords(StateCore):
    """Live and ended sessions of webinars and trainings, and who attended them."""

    def start_session(
        self, event: Event, polls: list[str] | None, *, start: datetime | None = None
    ) -> Session:
        """Start a session now (or at `start`): GoTo creates the sessionKey when it starts."""
        if event.live_session() is not None:
            raise SandboxError("a session of this event is already running")
        if isinstance(event, Webinar):
            launched = [p.question for p in event.polls] if polls is None else list(polls)
            for text in launched:
                if event.poll(text) is None:
                    raise SandboxError(f"unknown poll {text!r}")
        elif polls:
            raise SandboxError("GoToTraining has no polls")
        else:
            launched = []
        session = Session(
            session_key=self.new_key(8),
            start=start or self.clock.now(),
            end=None,
            polls=launched,
            starting_organizer_key=event.organizer_key,
        )
        event.sessions.append(session)
        return session

    def record_attendance(
        self, event: Event, session: Session, attendees: Iterable[AttendeeSpec]
    ) -> list[Attendance]:
        """Add attendance (and poll answers) for registrants, relative to the session start."""
        recorded: list[Attendance] = []
        for spec in attendees:
            registrant = event.registrant_by_email(spec.email)
            if registrant is None:
                raise SandboxError(f"{spec.email} is not registered")
            parts = spec.parts or []
            stretches = (
                [(p.joined_after_minutes, p.minutes) for p in parts]
                if spec.parts is not None
                else [(spec.joined_after_minutes, spec.minutes or 0.0)]
            )
            entry = session.attendance.setdefault(
                registrant.registrant_key, Attendance(registrant.registrant_key)
            )
            for after, minutes in stretches:
                join = session.start + timedelta(minutes=after)
                leave = join + timedelta(minutes=minutes)
                if session.end is not None:
                    if join >= session.end:
                        raise SandboxError(f"{spec.email} would join after the session ended")
                    leave = min(leave, session.end)
                entry.parts.append(AttendancePart(join, leave))
            answers: dict[str, list[str]] = {}
            if spec.answer_all_polls:
                for text in session.polls:
                    poll = event.poll(text)
                    answers[text] = [poll.answers[0]] if poll and poll.answers else []
            for text, answer in spec.poll_answers.items():
                if text not in session.polls:
                    raise SandboxError(f"poll {text!r} was not launched in this session")
                answers[text] = [answer] if isinstance(answer, str) else list(answer)
            entry.poll_answers.update(answers)
            recorded.append(entry)
        return recorded

    def join_now(self, event: Event, registrant: Registrant) -> Session | None:
        """Mark a registrant as joined to the live session now (the join link's effect)."""
        session = event.live_session()
        if session is None:
            return None
        entry = session.attendance.setdefault(
            registrant.registrant_key, Attendance(registrant.registrant_key)
        )
        if not entry.parts or entry.parts[-1].leave is not None:
            entry.parts.append(AttendancePart(self.clock.now()))
        return session

    def end_session(self, event: Event, session: Session, end: datetime | None = None) -> None:
        """End a session now (or at `end`); nobody stays longer than the session."""
        if session.end is not None:
            raise SandboxError("this session has already ended")
        end = end or self.clock.now()
        if end < session.start:
            raise SandboxError("a session cannot end before it starts")
        session.end = end
        for entry in session.attendance.values():
            for part in entry.parts:
                if part.leave is None or part.leave > end:
                    part.leave = end

    def find_session(self, event: Event, session_key: int) -> Session | None:
        """A session of this event by key."""
        return next((s for s in event.sessions if s.session_key == session_key), None)

    def reported_sessions(self, event: Event) -> list[Session]:
        """Sessions GoTo's reporting would show now (ended, past the processing delay)."""
        now = self.clock.now()
        delay = self.settings.report_delay_seconds
        return [s for s in event.sessions if s.reported(now, delay)]

    def visible_registrants(self, training: Training) -> list[Registrant]:
        """GoToTraining's registrant cache can lag behind registration."""
        now = self.clock.now()
        return [
            r
            for r in training.registrants.values()
            if r.visible_from is None or now >= r.visible_from
        ]
