"""The try-it console at /sandbox: act as a seeded Slack user and see what viltbot answers.

The console plays Slack's client and Slack's servers for one workspace: it signs real-shaped
slash commands, block_actions and view_submission payloads with the app's signing secret and
POSTs them to the app's own `/slack/events` over HTTP; the bot answers through the Slack stand-in
(mounted at /slack-sandbox), and the page shows what the stand-in recorded.

This module holds the routes and the page; what a person does there is in actions.py, the
console's state and delivery in core.py, the page's parts and their live updates in live.py,
and the workspace it acts in, its places, the form fields, the feed and the HTML filters in the
modules beside them.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.console.fields import form_text
from sandbox.console.live import LIVE, LIVE_HEADER, ConsoleLive
from sandbox.console.places import HOME, place_for
from sandbox.console.replies import same_origin
from sandbox.console.workspace import PEOPLE, WORKSPACE_NAME, Person, person_for
from sandbox.ids import SANDBOX_TEAM

FormHandler = Callable[[FormData, Person, str], Awaitable[Response]]
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}


class SandboxConsole(ConsoleLive):
    """The /sandbox page and the Slack stand-in it drives for one sandbox runtime."""

    def routes(self) -> list[BaseRoute]:
        """The console's pages and form endpoints, all under /sandbox."""
        return [
            Route("/sandbox", self.page, methods=["GET"]),
            Route("/sandbox/stream", self.stream, methods=["GET"]),
            Route("/sandbox/static/{name}", self.static, methods=["GET"]),
            Route("/sandbox/command", self._form_post(self.command), methods=["POST"]),
            Route("/sandbox/action", self._form_post(self.action), methods=["POST"]),
            Route("/sandbox/suggest", self._form_post(self.suggest), methods=["POST"]),
            Route("/sandbox/view/submit", self._form_post(self.submit), methods=["POST"]),
            Route("/sandbox/view/close", self._form_post(self.close), methods=["POST"]),
            Route("/sandbox/goto/pick", self._form_post(self.pick_goto_session), methods=["POST"]),
            Route("/sandbox/goto/play", self._form_post(self.play_goto_session), methods=["POST"]),
            Route("/sandbox/goto/clock", self._form_post(self.move_time), methods=["POST"]),
            Route("/sandbox/goto/sync", self._form_post(self.run_sync), methods=["POST"]),
            Route(
                "/sandbox/goto/revoke", self._form_post(self.revoke_connection), methods=["POST"]
            ),
            Route("/sandbox/files/{file_id}", self.file, methods=["GET"]),
        ]

    def _form_post(self, handle: FormHandler) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint for the page's own form posts: `handle` as the chosen person and channel."""

        async def endpoint(request: Request) -> Response:
            form = await request.form()
            if not same_origin(request):
                return Response("cross-site request refused", status_code=403)
            person = person_for(form_text(form, "user"))
            place = place_for(self.standin, person, form_text(form, "channel"))
            if request.headers.get(LIVE_HEADER) != "1":
                return await handle(form, person, place.id)
            token = LIVE.set(True)
            try:
                answer = await handle(form, person, place.id)
            finally:
                LIVE.reset(token)
            return await self.live_answer(request, answer)

        return endpoint

    async def page(self, request: Request) -> Response:
        """The console: the sidebar, the place chosen, the composer, the tour and GoTo panel."""
        person = person_for(request.query_params.get("user"))
        place = place_for(self.standin, person, request.query_params.get("channel"))
        if place.id == HOME:
            await self._open_home(person)
        parts = await self.parts(person, place, notes=True, current=True)
        template = self._env.get_template("console.html")
        html_text = template.render(
            workspace=WORKSPACE_NAME, people=PEOPLE, person=person, parts=parts
        )
        return Response(
            html_text,
            media_type="text/html; charset=utf-8",
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": (
                    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                    "connect-src 'self'; form-action 'self'; img-src 'self' data: https: http:; "
                    "base-uri 'none'; frame-ancestors 'none'"
                ),
                "Referrer-Policy": "same-origin",
            },
        )

    async def static(self, request: Request) -> Response:
        """The page's script and style sheet."""
        name = request.path_params["name"]
        kind = STATIC.get(name)
        if kind is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(
            (STATIC_DIR / name).read_bytes(),
            media_type=kind,
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    async def file(self, request: Request) -> Response:
        """A file the bot shared into the person's DM (or a channel they are in), as a download."""
        person = person_for(request.query_params.get("user"))
        upload = self.standin.files.get(request.path_params["file_id"])
        shared = upload.channels if upload and upload.team_id == SANDBOX_TEAM else []
        found = [self.standin.channels.get((SANDBOX_TEAM, c)) for c in shared]
        allowed = any(
            c is not None and (c.user == person.id if c.is_im else person.id in c.members)
            for c in found
        )
        if upload is None or not upload.completed or not allowed:
            # The same answer whether the file is missing or someone else's.
            return Response("no such file", status_code=404, media_type="text/plain")
        media_type = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        fallback = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in upload.filename)
        disposition = (
            f'attachment; filename="{fallback or "file"}"; '
            f"filename*=UTF-8''{quote(upload.filename, safe='')}"
        )
        return Response(
            upload.content,
            media_type=media_type,
            headers={
                "Content-Disposition": disposition,
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
