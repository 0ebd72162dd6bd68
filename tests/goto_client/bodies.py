"""Sample GoTo answers; every shape the spec defines is checked against it when mocked."""

from __future__ import annotations

from typing import Any

ORGANIZER = 100000000000000001
ACCOUNT = "300000000000000003"
WEBINAR_KEY = 2000000000000000002
TRAINING_KEY = 4000000000000000004
SESSION_KEY = 5000000000000000005
TRAINING_SESSION_KEY = 6000000000000000006
REGISTRANT_KEY = 7000000000000000007

START = "2025-01-06T09:00:00Z"
END = "2025-01-06T10:00:00Z"


def webinar(
    webinar_key: int = WEBINAR_KEY,
    subject: str = "Onboarding 101",
    *,
    start: str = START,
    end: str = END,
    registrants: int = 3,
    limit: int = 100,
) -> dict[str, Any]:
    """GoToWebinar WebinarByKey."""
    return {
        "webinarKey": webinar_key,
        "webinarID": "123456789",
        "subject": subject,
        "description": "Intro session",
        "organizerKey": ORGANIZER,
        "organizerEmail": "trainer@example.com",
        "organizerName": "Tina Trainer",
        "times": [{"startTime": start, "endTime": end}],
        "registrationUrl": "https://attendee.gotowebinar.com/register/123",
        "inSession": False,
        "impromptu": False,
        "type": "single_session",
        "timeZone": "Europe/Brussels",
        "numberOfRegistrants": registrants,
        "registrationLimit": limit,
        "locale": "en_US",
        "accountKey": ACCOUNT,
        "recurrencePeriod": "single_session",
        "experienceType": "classic",
        "isPasswordProtected": False,
    }


def webinar_item(
    webinar_key: int = WEBINAR_KEY,
    subject: str = "Onboarding 101",
    start: str = START,
    end: str = END,
) -> dict[str, Any]:
    """GoToWebinar Webinar, an item of the organizer's webinar list (no registrationLimit)."""
    return {
        "webinarKey": str(webinar_key),
        "webinarID": "123456789",
        "organizerKey": str(ORGANIZER),
        "accountKey": ACCOUNT,
        "subject": subject,
        "description": "Intro session",
        "times": [{"startTime": start, "endTime": end}],
        "timeZone": "Europe/Brussels",
        "locale": "en_US",
        "approvalType": "AUTOMATIC",
        "registrationUrl": f"https://attendee.gotowebinar.com/register/{webinar_key}",
        "impromptu": False,
        "isPasswordProtected": False,
        "recurrenceType": "single_session",
        "experienceType": "classic",
    }


def registrant_created(registrant_key: int = REGISTRANT_KEY) -> dict[str, Any]:
    """GoToWebinar RegistrantCreated."""
    return {
        "registrantKey": registrant_key,
        "joinUrl": f"https://global.gotowebinar.com/join/{registrant_key}",
    }


def webinar_registrant(
    registrant_key: int = REGISTRANT_KEY, email: str = "ada@example.com"
) -> dict[str, Any]:
    """GoToWebinar Registrant / RegistrantDetailed (the shared required part)."""
    return {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": email,
        "registrantKey": registrant_key,
        "registrationDate": "2025-01-01T12:00:00Z",
        "status": "APPROVED",
        "joinUrl": f"https://global.gotowebinar.com/join/{registrant_key}",
        "timeZone": "Europe/Brussels",
    }


def registration_fields(*, required_custom: bool = True) -> dict[str, Any]:
    """GoToWebinar RegistrationFields with one required standard field and a question."""
    return {
        "fields": [
            {"field": "firstName", "required": True, "maxSize": 128},
            {"field": "lastName", "required": True, "maxSize": 128},
            {"field": "email", "required": True, "maxSize": 128},
            {"field": "organization", "required": True, "maxSize": 128},
            {"field": "phone", "required": False, "maxSize": 128},
        ],
        "questions": [
            {
                "questionKey": 42,
                "question": "Which team are you in?",
                "required": required_custom,
                "type": "shortAnswer",
                "maxSize": 256,
            }
        ],
    }


def reporting_session(session_key: int = SESSION_KEY, total_poll_count: int = 2) -> dict[str, Any]:
    """GoToWebinar ReportingSession (keys are strings in this schema)."""
    return {
        "sessionKey": str(session_key),
        "webinarKey": str(WEBINAR_KEY),
        "webinarName": "Onboarding 101",
        "startTime": START,
        "endTime": END,
        "registrantsAttended": 2,
        "registrantCount": 3,
        "accountKey": ACCOUNT,
        "creatingOrganizerKey": str(ORGANIZER),
        "creatingOrganizerName": "Tina Trainer",
        "startingOrganizerKey": str(ORGANIZER),
        "startingOrganizerName": "Tina Trainer",
        "totalPollCount": total_poll_count,
        "timeZone": "Europe/Brussels",
        "experienceType": "classic",
        "webinarID": "123456789",
    }


def page(
    collection: str, items: list[dict[str, Any]], number: int, total_pages: int, size: int = 200
) -> dict[str, Any]:
    """A HAL page (ReportingSessionsResponse / ReportingAttendeeResponse shape)."""
    return {
        "_embedded": {collection: items},
        "page": {
            "size": size,
            "totalElements": size * (total_pages - 1) + len(items),
            "totalPages": total_pages,
            "number": number,
        },
    }


def webinar_attendee(
    registrant_key: int = REGISTRANT_KEY,
    email: str = "ada@example.com",
    seconds: int = 3000,
) -> dict[str, Any]:
    """GoToWebinar Attendee / ReportingAttendee."""
    return {
        "registrantKey": registrant_key,
        "sessionKey": SESSION_KEY,
        "email": email,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "attendanceTimeInSeconds": seconds,
        "attendance": [{"joinTime": START, "leaveTime": "2025-01-06T09:50:00Z"}],
    }


def poll(question: str = "Did the demo work?") -> dict[str, Any]:
    """GoToWebinar Poll."""
    return {
        "question": question,
        "numberOfResponses": 2,
        "responses": [{"text": "Yes", "percentage": 50.0}, {"text": "No", "percentage": 50.0}],
    }


def poll_answer(question: str = "Did the demo work?", answer: str = "Yes") -> dict[str, Any]:
    """GoToWebinar PollAnswer."""
    return {"question": question, "answers": [answer]}


def session_performance(poll_count: int = 2) -> dict[str, Any]:
    """GoToWebinar SessionPerformance."""
    return {
        "attendance": {
            "registrantCount": 3,
            "percentageAttendance": 66.6,
            "averageInterestRating": 80.0,
            "averageAttentiveness": 90.0,
            "averageAttendanceTimeSeconds": 2900.0,
        },
        "pollsAndSurveys": {
            "pollCount": poll_count,
            "surveyCount": 0,
            "questionsAsked": 1,
            "percentagePollsCompleted": 50.0,
            "percentageSurveysCompleted": 0.0,
        },
    }


def training(
    training_key: int = TRAINING_KEY,
    name: str = "Safety training",
    start: str = START,
    end: str = END,
) -> dict[str, Any]:
    """GoToTraining Training."""
    return {
        "trainingId": "987654321",
        "name": name,
        "description": "Yearly refresher",
        "timeZone": "Europe/Brussels",
        "times": [{"startDate": start, "endDate": end}],
        "organizers": [
            {
                "organizerKey": str(ORGANIZER),
                "email": "trainer@example.com",
                "givenName": "Tina",
                "surname": "Trainer",
            }
        ],
        "registrationSettings": {
            "disableConfirmationEmail": False,
            "disableWebRegistration": False,
        },
        "trainingKey": str(training_key),
    }


def training_created(registrant_key: int = REGISTRANT_KEY) -> dict[str, Any]:
    """GoToTraining RegistrantCreated."""
    return {
        "joinUrl": f"https://global.gototraining.com/join/{registrant_key}",
        "confirmationUrl": f"https://global.gototraining.com/confirm/{registrant_key}",
        "registrantKey": str(registrant_key),
    }


def training_registrant(
    registrant_key: int = REGISTRANT_KEY, email: str = "ada@example.com"
) -> dict[str, Any]:
    """GoToTraining Registrant."""
    return {
        "email": email,
        "givenName": "Ada",
        "surname": "Lovelace",
        "status": "APPROVED",
        "registrationDate": "2025-01-01T12:00:00Z",
        "joinUrl": f"https://global.gototraining.com/join/{registrant_key}",
        "confirmationUrl": f"https://global.gototraining.com/confirm/{registrant_key}",
        "registrantKey": str(registrant_key),
    }


def training_session(session_key: int = TRAINING_SESSION_KEY) -> dict[str, Any]:
    """GoToTraining reports Session."""
    return {
        "sessionKey": str(session_key),
        "trainingName": "Safety training",
        "sessionStartTime": START,
        "sessionEndTime": END,
        "attendanceCount": 1,
        "duration": 60,
        "organizers": [
            {
                "organizerKey": str(ORGANIZER),
                "email": "trainer@example.com",
                "givenName": "Tina",
                "surname": "Trainer",
            }
        ],
    }


def training_attendee(email: str = "ada@example.com", minutes: int = 55) -> dict[str, Any]:
    """GoToTraining reports Attendee (no registrant key; minutes)."""
    return {
        "givenName": "Ada",
        "surname": "Lovelace",
        "email": email,
        "timeInSession": minutes,
        "inSessionTimes": [
            {"joinTime": START, "leaveTime": "2025-01-06T09:55:00Z", "timeInPartOfSession": minutes}
        ],
    }


def token_answer(
    access: str = "access-2",
    refresh: str | None = "refresh-2",
    *,
    organizer_key: str | None = str(ORGANIZER),
) -> dict[str, Any]:
    """Token endpoint answer (README: RFC 6749 plus GoTo's legacy fields)."""
    body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
    if refresh is not None:
        body["refresh_token"] = refresh
    if organizer_key is not None:
        body.update(
            organizer_key=organizer_key,
            account_key=ACCOUNT,
            email="trainer@example.com",
            firstName="Tina",
            lastName="Trainer",
        )
    return body


def identity() -> dict[str, Any]:
    """Identity `Users/me` answer (SCIM-like, README)."""
    return {
        "id": str(ORGANIZER),
        "userName": "trainer@example.com",
        "emails": [{"value": "trainer@example.com", "primary": True}],
        "name": {"givenName": "Tina", "familyName": "Trainer"},
    }
