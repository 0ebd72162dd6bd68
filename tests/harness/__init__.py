"""Test harness: signs and sends real-shaped Slack requests to the bot."""

from tests.harness.signing import sign
from tests.harness.slack_client import SlackSender, build_state

__all__ = ["SlackSender", "build_state", "sign"]
