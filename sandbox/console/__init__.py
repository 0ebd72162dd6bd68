"""The try-it console at /sandbox: act as a seeded Slack user and see what viltbot answers."""

from sandbox.console.app import SandboxConsole

__all__ = ["SandboxConsole"]
