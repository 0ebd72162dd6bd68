"""Field limits, each stated once: the validation, the Slack modals and the columns read them.

Changing a value that backs a column needs an Alembic migration as well.
"""

from __future__ import annotations

TEAM_NAME_MAX = 80
LOCATION_NAME_MAX = 100
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
