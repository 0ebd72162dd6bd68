"""The Slack stand-ins: the Web API, Socket Mode, and the signed requests Slack sends an app."""
