"""In-process stand-ins for the outside systems the bot talks to (tests, benchmarks, try-it mode)."""
