"""The counters of one runtime (jobs, GoTo traffic) in its own Prometheus registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bot.goto.observe import Api
from bot.metrics.database import DatabaseCollector, DatabaseSnapshot

APIS: tuple[Api, ...] = ("webinar", "training", "oauth")
# Jobs take from milliseconds (nothing due) to minutes (a sync of many sessions).
JOB_SECONDS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class Metrics:
    """Counters for the jobs and the GoTo client, and the database gauges read at each scrape.

    Each runtime has its own registry, so tests and several runtimes in one process keep
    their counts apart. It is the JobRecorder of the scheduler and the GoToObserver of the
    GoTo client.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.job_runs = Counter(
            "viltbot_job_runs",
            "Scheduled job runs, by job.",
            ["job"],
            registry=self.registry,
        )
        self.job_failures = Counter(
            "viltbot_job_failures",
            "Scheduled job runs that failed (and will run again), by job.",
            ["job"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "viltbot_job_duration_seconds",
            "How long scheduled job runs took, by job.",
            ["job"],
            buckets=JOB_SECONDS_BUCKETS,
            registry=self.registry,
        )
        self.goto_requests = Counter(
            "viltbot_goto_requests",
            "Requests GoTo answered, by API (webinar, training, oauth) and HTTP status.",
            ["api", "status"],
            registry=self.registry,
        )
        self.goto_unanswered = Counter(
            "viltbot_goto_unanswered_requests",
            "Requests to GoTo that got no answer (timeout, refused or dropped connection).",
            ["api"],
            registry=self.registry,
        )
        self.goto_rate_limited = Counter(
            "viltbot_goto_rate_limited",
            "Requests GoTo turned away with HTTP 429, by API.",
            ["api"],
            registry=self.registry,
        )
        self.goto_retries = Counter(
            "viltbot_goto_retries",
            "Requests to GoTo sent again after a 429, a 5xx or no answer, by API.",
            ["api"],
            registry=self.registry,
        )
        for api in APIS:
            self.goto_unanswered.labels(api)
            self.goto_rate_limited.labels(api)
            self.goto_retries.labels(api)
        self._database = DatabaseCollector()
        self.registry.register(self._database)

    # JobRecorder

    def job_added(self, job_id: str) -> None:
        """Show the job's counters at zero from the start."""
        self.job_runs.labels(job_id)
        self.job_failures.labels(job_id)
        self.job_seconds.labels(job_id)

    def job_finished(self, job_id: str, seconds: float, *, failed: bool) -> None:
        """Count a run, its duration, and whether it failed."""
        self.job_runs.labels(job_id).inc()
        self.job_seconds.labels(job_id).observe(seconds)
        if failed:
            self.job_failures.labels(job_id).inc()

    # GoToObserver

    def answered(self, api: Api, status: int) -> None:
        """Count an answer from GoTo (and a 429 as rate limited)."""
        self.goto_requests.labels(api, str(status)).inc()
        if status == 429:
            self.goto_rate_limited.labels(api).inc()

    def no_answer(self, api: Api) -> None:
        """Count a request that got no answer."""
        self.goto_unanswered.labels(api).inc()

    def retrying(self, api: Api) -> None:
        """Count a request about to be sent again."""
        self.goto_retries.labels(api).inc()

    # Scrape

    def render(self, snapshot: DatabaseSnapshot) -> bytes:
        """The Prometheus text exposition of the counters and of this database snapshot."""
        # No await between setting the snapshot and rendering: concurrent scrapes cannot mix.
        self._database.snapshot = snapshot
        return generate_latest(self.registry)
