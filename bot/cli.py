"""`viltbot serve | worker | migrate | goto-sandbox`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

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
    sub.add_parser("worker", help="run the scheduled jobs only (no web server)")
    sub.add_parser("migrate", help="bring the database schema up to date")
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
    if args.command == "worker":
        settings = Settings()
        return _guarded(settings, lambda: asyncio.run(_worker(settings)))
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
    return _guarded(settings, lambda: _run_web(settings, host, port, jobs=not args.no_jobs))


def _guarded(settings: Settings, run: object) -> int:
    try:
        settings.require_complete()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    _migrate(settings)
    assert callable(run)
    run()
    return 0


def _migrate(settings: Settings) -> None:
    from db.migrate import upgrade

    path = settings.sqlite_path()
    if path is not None and path.parent != path:
        path.parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)


def _run_web(settings: Settings, host: str, port: int, *, jobs: bool) -> None:
    import uvicorn

    from bot.bootstrap import build_runtime
    from bot.server import create_web_app

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
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, log_config=None)


async def _worker(settings: Settings) -> None:
    from bot.bootstrap import build_runtime

    runtime = build_runtime(settings)
    runtime.start_scheduler()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("viltbot worker running; Ctrl-C stops it")
    await stop.wait()
    await runtime.close()


if __name__ == "__main__":
    sys.exit(main())
