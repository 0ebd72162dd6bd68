"""Fixed ids of the sandbox's Slack workspace: its team, bot token, bot user and first admin."""

SANDBOX_TEAM = "T0SANDBOX1"
SANDBOX_BOT_TOKEN = "xoxb-sandbox-bot-token"
SANDBOX_BOT_USER = "U0VILTBOT1"
SANDBOX_ADMIN = "U0SANDADM1"
