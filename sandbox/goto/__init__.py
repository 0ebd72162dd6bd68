"""A GoTo stand-in speaking GoTo's own HTTP (OAuth, identity, GoToWebinar v2, GoToTraining).

Point GOTO_AUTH_URL and GOTO_API_URL at one running sandbox (or mount it in the bot's app).
"""

from .app import create_goto_sandbox
from .clock import SandboxClock
from .scenario import Scenario, default_scenario, load_scenario
from .state import SandboxState

__all__ = [
    "SandboxClock",
    "SandboxState",
    "Scenario",
    "create_goto_sandbox",
    "default_scenario",
    "load_scenario",
]
