"""`viltbot serve | worker | migrate | sync | rotate-secrets | goto-sandbox`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable

from bot.logs import configure_logging
from bot.settings import MissingSettings, Settings, SettingsError

log = logging.getLogger("viltbot")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `viltbot` console script."""
    parser = argparse.ArgumentParser(
        prog="viltbot",
        description="viltbot: virtual instructor-led training on GoToWebinar and GoToTraining, in Slack.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the web server and the scheduled jobs")
    serve.add_argument(
        "--port", type=int, default=None, help="port to listen on (default $PORT or 3000)"
    )
    serve.add_argument(
        "--host",
        default=None,
        help="interface to bind (default 127.0.0.1 in the sandbox, else 0.0.0.0)",
    )
    serve.add_argument(
        "--sandbox",
        action="store_true",
        help="try viltbot with no Slack or GoTo account: local stand-ins for both, on SQLite",
    )
    serve.add_argument(
        "--no-jobs", action="store_true", help="serve HTTP only; run jobs in `viltbot worker`"
    )
    worker = sub.add_parser("worker", help="run the scheduled jobs only (no web server)")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="P",
        help="serve GET /metrics (this worker's jobs and GoTo requests) on port P",
    )
    worker.add_argument(
        "--host", default="0.0.0.0", help="interface for --metrics-port (default 0.0.0.0)"
    )
    sub.add_parser("migrate", help="bring the database schema up to date")
    sync = sub.add_parser(
        "sync",
        help="read attendance and poll answers from GoTo now and print what changed",
    )
    sync.add_argument(
        "--session",
        type=int,
        default=None,
        metavar="ID",
        help="sync this session by hand (default: every session whose next sync is due)",
    )
    sub.add_parser(
        "rotate-secrets",
        help="re-encrypt every stored secret with the first key of VILTBOT_SECRET_KEY",
    )
    goto = sub.add_parser("goto-sandbox", help="run the GoTo sandbox on its own")
    goto.add_argument("--port", type=int, default=8765)
    goto.add_argument("--host", default="127.0.0.1")
    goto.add_argument("--scenario", default=None, help="scenario YAML (default: the built-in demo)")
    args = parser.parse_args(argv)
    configure_logging()
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "goto-sandbox":
        from sandbox.goto.server import serve as serve_goto

        serve_goto(args.port, args.scenario, host=args.host)
        return 0
    if args.command == "migrate":
        settings = Settings()
        _migrate(settings)
        print("database is up to date")
        return 0
    if args.command == "rotate-secrets":
        return _rotate_secrets(Settings())
    if args.command == "sync":
        settings = Settings()
        return _guarded(settings, lambda: asyncio.run(_sync(settings, args.session)))
    if args.command == "worker":
        settings = Settings()
        metrics = (args.host, args.metrics_port) if args.metrics_port else None
        return _guarded(
            settings, lambda: asyncio.run(_worker(settings, metrics)), long_running=True
        )
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    settings = Settings()
    port = args.port or settings.port
    if args.sandbox or settings.sandbox:
        from sandbox.mode import sandbox_settings

        settings = sandbox_settings(settings, port)
    elif settings.missing():
        print(MissingSettings(settings.missing()), file=sys.stderr)
        print(
            "\nTo try viltbot on this machine with no Slack or GoTo account, run:\n"
            "    viltbot serve --sandbox",
            file=sys.stderr,
        )
        return 2
    host = args.host or ("127.0.0.1" if settings.sandbox else "0.0.0.0")
    return _guarded(
        settings,
        lambda: _run_web(settings, host, port, jobs=not args.no_jobs),
        long_running=True,
    )


def _guarded(
    settings: Settings, run: Callable[[], int | None], *, long_running: bool = False
) -> int:
    """Refuse incomplete settings (and, `long_running`, a second process on one SQLite file),
    bring the schema up to date, then run; its exit code."""
    from bot.single_process import AnotherProcessRuns, claim_database

    try:
        settings.require_complete()
        if long_running:
            claim_database(settings.database_url)
    except (SettingsError, AnotherProcessRuns) as exc:
        print(exc, file=sys.stderr)
        return 2
    _migrate(settings)
    return run() or 0


async def _sync(settings: Settings, session_id: int | None) -> int:
    """One sync run; the notices it queues are posted by a running viltbot's outbox."""
    from bot.bootstrap import build_runtime
    from domain.errors import DomainError

    runtime = build_runtime(settings)
    try:
        results = await runtime.sync_now(session_id)
    except DomainError as exc:
        print(f"viltbot sync: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await runtime.close()
    if not results:
        print("no session is due for sync")
    for result in results:
        print(result.summary())
    return 1 if session_id is not None and not results[0].ran else 0


def _migrate(settings: Settings) -> None:
    from db.engine import secure_sqlite_file
    from db.migrate import upgrade

    secure_sqlite_file(settings.database_url)
    upgrade(settings.database_url)


def _rotate_secrets(settings: Settings) -> int:
    """Re-encrypt stored secrets with the newest key; print counts, never values."""
    if settings.secret_key is None or not settings.secret_key.get_secret_value().strip():
        print("viltbot cannot rotate secrets: set VILTBOT_SECRET_KEY", file=sys.stderr)
        return 2
    _migrate(settings)
    from bot.crypto import SecretBox
    from bot.secret_rotation import rotate_secrets
    from db.engine import JOB_TIMEOUTS, create_engine

    box = SecretBox(settings.secret_key.get_secret_value())

    async def run() -> list[tuple[str, int]]:
        engine = create_engine(settings.database_url, timeouts=JOB_TIMEOUTS)
        try:
            counts = await rotate_secrets(engine, box)
        finally:
            await engine.dispose()
        return [(f"{c.table}.{c.column}", c.values) for c in counts]

    try:
        counts = asyncio.run(run())
    except ValueError as exc:
        print(f"viltbot cannot rotate secrets: {exc}", file=sys.stderr)
        return 1
    for name, count in counts:
        print(f"{name}: {count} re-encrypted")
    print(f"{sum(c for _, c in counts)} secrets now use the first key of VILTBOT_SECRET_KEY")
    return 0


# How long `viltbot serve` waits for open connections when it stops.
STOP_GRACE_SECONDS = 3


def _run_web(settings: Settings, host: str, port: int, *, jobs: bool) -> None:
    import uvicorn

    from bot.bootstrap import build_runtime
    from bot.server import create_web_app
    from bot.web.stopping import TellingServer

    runtime = build_runtime(settings)
    extra = []
    if settings.sandbox:
        from sandbox.mode import sandbox_routes

        extra = sandbox_routes(runtime)
        print(f"viltbot sandbox: open http://{host}:{port}/sandbox in a browser", flush=True)
    app = create_web_app(runtime, run_scheduler=jobs, extra_routes=extra)
    if settings.socket_mode:
        from bot.socket_mode import run_socket_mode

        asyncio.run(run_socket_mode(runtime, app, host, port))
        return
    # log_config=None keeps our logging set-up (and its access-log redaction).
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
        log_config=None,
        timeout_graceful_shutdown=STOP_GRACE_SECONDS,
    )
    # uvicorn raises the Ctrl-C it caught again once it stopped (as `uvicorn.run` does, pass).
    with contextlib.suppress(KeyboardInterrupt):
        TellingServer(config, runtime.stopping).run()


async def _worker(settings: Settings, metrics: tuple[str, int] | None = None) -> None:
    import uvicorn

    from bot.bootstrap import build_runtime
    from bot.server import create_metrics_app

    runtime = build_runtime(settings)
    runtime.start_scheduler()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server: uvicorn.Server | None = None
    serving: asyncio.Task[None] | None = None
    if metrics is not None:
        host, port = metrics
        config = uvicorn.Config(
            create_metrics_app(runtime), host=host, port=port, log_level="warning", log_config=None
        )
        server = uvicorn.Server(config)
        # uvicorn takes SIGINT/SIGTERM while it serves and raises them again once stopped,
        # which then sets `stop`.
        serving = asyncio.create_task(server.serve())
        log.info("viltbot worker serving /metrics on %s:%d", host, port)
    log.info("viltbot worker running; Ctrl-C stops it")
    await stop.wait()
    if server is not None and serving is not None:
        server.should_exit = True
        await serving
    await runtime.close()


if __name__ == "__main__":
    sys.exit(main())
