"""What every part of the GoTo sandbox state shares: its data, keys, lookups and rate limits."""

from __future__ import annotations

import random
from collections import deque
from typing import Any

from .clock import SandboxClock
from .ratelimit import TokenBucket
from .records import (
    AccessToken,
    Account,
    AuthCode,
    Consumer,
    Fault,
    Grant,
    RefreshToken,
    Settings,
    Training,
    Webinar,
)
from .scenario import Scenario


class StateCore:
    """The sandbox's data (set up by SandboxState.reset) and the lookups every part uses."""

    clock: SandboxClock
    scenario: Scenario
    settings: Settings
    requests: deque[dict[str, Any]]
    accounts: dict[str, Account]
    consumers: dict[str, Consumer]
    webinars: dict[int, Webinar]
    trainings: dict[int, Training]
    codes: dict[str, AuthCode]
    access_tokens: dict[str, AccessToken]
    refresh_tokens: dict[str, RefreshToken]
    grants: list[Grant]
    buckets: dict[str, TokenBucket]
    faults: list[Fault]
    _rng: random.Random
    _used_keys: set[int]

    def new_key(self, digits: int) -> int:
        """A fresh random key with the given number of digits (reproducible per scenario seed)."""
        while True:
            # GoTo's keys are int64 in the specs: 19-digit keys must stay below 2**63.
            key = self._rng.randrange(10 ** (digits - 1), min(10**digits, 2**63))
            if key not in self._used_keys:
                self._used_keys.add(key)
                return key

    def _nine_digit_id(self) -> str:
        return str(self._rng.randrange(100_000_000, 1_000_000_000))

    def incident(self) -> int:
        """An incident number like the ones GoTo puts in error bodies."""
        return self._rng.randrange(10**18, 2**63)

    def account_by_email(self, email: str) -> Account | None:
        """Find an account by email."""
        return self.accounts.get(email.strip().lower())

    def account_by_organizer(self, organizer_key: int) -> Account | None:
        """Find an account by organizer key."""
        return next((a for a in self.accounts.values() if a.organizer_key == organizer_key), None)

    def consumer_accounts(self, consumer: Consumer) -> list[Account]:
        """The accounts that may sign in through a consumer app."""
        return [self.accounts[e] for e in consumer.account_emails if e in self.accounts]

    def allow_request(self, client_id: str) -> bool:
        """Token-bucket check per consumer key; False means answer 429."""
        rate = self.settings.rate_limit_per_second
        if rate is None or rate <= 0:
            return True
        bucket = self.buckets.get(client_id)
        if bucket is None or bucket.rate != rate:
            bucket = self.buckets[client_id] = TokenBucket(rate)
        return bucket.take()

    def take_fault(self, path: str) -> Fault | None:
        """Consume one injected failure matching the path, if any."""
        for fault in self.faults:
            if fault.count > 0 and fault.path_contains in path:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None
