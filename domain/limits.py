"""Field limits, each stated once: the validation, the Slack modals and the columns read them.

Changing a value that backs a column needs an Alembic migration as well.
"""

from __future__ import annotations

TEAM_NAME_MAX = 80
LOCATION_NAME_MAX = 100
# A learning element's title (the catalog entry sessions belong to).
ELEMENT_TITLE_MAX = 200
# A GoTo webinar or training key: the digits of the event's URL (GoTo's keys have 9 to 19).
GOTO_EVENT_KEY_MAX = 24
# GoTo's registrant keys and the join URLs it returns for them.
GOTO_REGISTRANT_KEY_MAX = 64
JOIN_URL_MAX = 2000
# An IANA time zone name such as America/Argentina/ComodRivadavia (the longest is 32).
TIMEZONE_MAX = 64
# A learner's name and email as Slack gives them.
PERSON_NAME_MAX = 200
EMAIL_MAX = 320
# Max learners is optional; when given it lies in this range.
MAX_LEARNERS_MIN = 1
MAX_LEARNERS_MAX = 100_000
# What may be typed into the max learners field: "100,000" with room for spaces and separators.
# Longer text is refused before it is read as a number.
MAX_LEARNERS_TEXT_MAX = 12
INFORMATION_URL_MAX = 2000
# The description is a TEXT column; the limit is the modal's (Slack allows 3,000 characters).
DESCRIPTION_MAX = 3000
CONSUMER_KEY_MAX = 200
# Checked before encryption; the sealed secret is stored as TEXT.
CONSUMER_SECRET_MAX = 500
# Slack ids (workspaces, users, channels) taken from commands and stored in columns.
SLACK_ID_MAX = 32
# The text after `/vilt`: a name, a channel and a role fit many times over.
COMMAND_TEXT_MAX = 1000
