"""The GoTo client against the GoTo sandbox over real loopback HTTP."""
