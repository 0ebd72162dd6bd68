"""GoTo's OAuth (authentication.logmeininc.com) and identity (/identity/v1/Users/me) endpoints."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .common import ApiError, authenticate, sandbox_path
from .records import Account, Consumer, TokenPair
from .state import SandboxState

SCOPE = "identity:scim.me collab:"
_PRODUCT_LABELS = {"webinar": "GoToWebinar", "training": "GoToTraining", "both": "GoTo"}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class _PageError(Exception):
    """A problem that must be shown on a page instead of redirected (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


def with_query(url: str, params: dict[str, str]) -> str:
    """Append query parameters to a URL that may already carry some."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class OAuthApi:
    """The authorize page, the token endpoint and the identity API."""

    def __init__(self, state: SandboxState, templates: Environment) -> None:
        self.state = state
        self.templates = templates

    def routes(self) -> list[Route]:
        """Starlette routes for these endpoints."""
        return [
            Route("/oauth/authorize", self.authorize_page, methods=["GET"]),
            Route("/oauth/authorize", self.authorize_decision, methods=["POST"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/identity/v1/Users/me", self.users_me, methods=["GET"]),
        ]

    # ------------------------------------------------------------------ authorize

    def _client_and_redirect(self, client_id: str, redirect_uri: str) -> tuple[Consumer, str]:
        consumer = self.state.consumers.get(client_id)
        if consumer is None:
            raise _PageError("invalid_client", "This app is not known to GoTo (unknown client_id).")
        if consumer.redirect_uris:
            if not redirect_uri:
                return consumer, consumer.redirect_uris[0]
            if redirect_uri not in consumer.redirect_uris:
                raise _PageError(
                    "invalid_request", "The redirect_uri is not registered for this app."
                )
        elif not redirect_uri:
            raise _PageError("invalid_request", "The redirect_uri parameter is missing.")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            raise _PageError("invalid_request", "The redirect_uri must be an http(s) URL.")
        return consumer, redirect_uri

    def _error_page(self, err: _PageError) -> HTMLResponse:
        html = self.templates.get_template("error.html").render(
            error=err.error, message=err.message
        )
        return HTMLResponse(html, status_code=400)

    async def authorize_page(self, request: Request) -> Response:
        """GET /oauth/authorize: the consent page with Allow and Deny."""
        params = request.query_params
        given_redirect = params.get("redirect_uri", "")
        try:
            consumer, redirect_uri = self._client_and_redirect(
                params.get("client_id", ""), given_redirect
            )
        except _PageError as err:
            return self._error_page(err)
        state_param = params.get("state")
        if params.get("response_type") != "code":
            extra = {"error": "unsupported_response_type"}
            if state_param is not None:
                extra["state"] = state_param
            return RedirectResponse(with_query(redirect_uri, extra), status_code=302)
        accounts = self.state.consumer_accounts(consumer)
        hint = (params.get("login_hint") or "").lower()
        html = self.templates.get_template("consent.html").render(
            # A path, not a URL: stays right behind proxies that rewrite scheme or host.
            action=sandbox_path(request, "/oauth/authorize"),
            app_name=consumer.name,
            product_label=_PRODUCT_LABELS.get(consumer.product, "GoTo"),
            client_id=consumer.client_id,
            # Echo what the app sent: the token exchange must repeat exactly that redirect_uri.
            redirect_uri=given_redirect,
            state=state_param or "",
            response_type="code",
            accounts=accounts,
            selected=next((a.email for a in accounts if a.email.lower() == hint), ""),
        )
        return HTMLResponse(html)

    async def authorize_decision(self, request: Request) -> Response:
        """POST /oauth/authorize: the Allow/Deny buttons; redirects back to the app."""
        form = await request.form()
        field = {k: v for k, v in form.items() if isinstance(v, str)}
        given_redirect = field.get("redirect_uri", "")
        try:
            consumer, redirect_uri = self._client_and_redirect(
                field.get("client_id", ""), given_redirect
            )
        except _PageError as err:
            return self._error_page(err)
        extra: dict[str, str] = {}
        if field.get("decision") != "allow":
            extra["error"] = "access_denied"
        else:
            account = self.state.account_by_email(field.get("account", ""))
            if account is None or account.email.lower() not in consumer.account_emails:
                return self._error_page(
                    _PageError("access_denied", "That account cannot sign in to this app.")
                )
            extra["code"] = self.state.issue_code(consumer, account, given_redirect or None)
        if field.get("state"):
            extra["state"] = field["state"]
        return RedirectResponse(with_query(redirect_uri, extra), status_code=302)

    # ------------------------------------------------------------------ token

    def _client_from_basic(self, request: Request) -> Consumer:
        invalid = ApiError(
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed."},
            {"WWW-Authenticate": 'Basic realm="oauth"'},
        )
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            raise invalid
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise invalid from None
        client_id, sep, secret = decoded.partition(":")
        consumer = self.state.consumers.get(unquote(client_id))
        if not sep or consumer is None or consumer.client_secret != unquote(secret):
            raise invalid
        return consumer

    async def token(self, request: Request) -> Response:
        """POST /oauth/token: authorization_code and refresh_token grants."""
        try:
            consumer = self._client_from_basic(request)
        except ApiError as err:
            return err.response()
        request.scope["sandbox.client_id"] = consumer.client_id
        form = await request.form()
        field = {k: v for k, v in form.items() if isinstance(v, str)}
        grant_type = field.get("grant_type", "")
        pair: TokenPair | None
        if grant_type == "authorization_code":
            if not field.get("code"):
                return _oauth_error("invalid_request", "The code parameter is missing.")
            pair = self.state.redeem_code(consumer, field["code"], field.get("redirect_uri"))
            if pair is None:
                return _oauth_error(
                    "invalid_grant",
                    "The authorization code is invalid, used, expired, or the redirect_uri differs.",
                )
        elif grant_type == "refresh_token":
            if not field.get("refresh_token"):
                return _oauth_error("invalid_request", "The refresh_token parameter is missing.")
            pair = self.state.refresh(consumer, field["refresh_token"])
            if pair is None:
                return _oauth_error(
                    "invalid_grant", "The refresh token is invalid, expired or revoked."
                )
        else:
            return _oauth_error("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
        return JSONResponse(self._token_body(pair), headers=_NO_STORE)

    def _token_body(self, pair: TokenPair) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": pair.access_token,
            "token_type": "Bearer",
            "expires_in": pair.expires_in,
            "scope": SCOPE,
        }
        if pair.refresh_token is not None:
            body["refresh_token"] = pair.refresh_token
        include = pair.consumer.token_includes_identity
        if include is None:
            include = self.state.settings.token_includes_identity
        if include:
            body.update(_identity_fields(pair.account))
        return body

    # ------------------------------------------------------------------ identity

    async def users_me(self, request: Request) -> Response:
        """GET /identity/v1/Users/me: SCIM-like "who am I"; id is the organizer key."""
        # The identity service answers a bad token with an empty 401 and a Bearer challenge,
        # unlike the product APIs' JSON 403.
        invalid = ApiError(
            401,
            None,
            {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="invalid token"'},
        )
        try:
            caller = authenticate(self.state, request, invalid=invalid)
        except ApiError as err:
            return err.response()
        account = caller.account
        return JSONResponse(
            {
                "schemas": ["urn:scim:schemas:core:1.0"],
                "id": str(account.organizer_key),
                "userName": account.email,
                "displayName": account.name,
                "name": {"givenName": account.first_name, "familyName": account.last_name},
                "emails": [{"value": account.email, "type": "work", "primary": True}],
                "locale": "en_US",
                "timezone": account.time_zone,
                "accounts": [
                    {"value": str(account.account_key), "display": f"{account.name}'s account"}
                ],
            }
        )


def _identity_fields(account: Account) -> dict[str, str]:
    # Older GoTo token hosts put the organizer's identity right in the token answer.
    return {
        "organizer_key": str(account.organizer_key),
        "account_key": str(account.account_key),
        "email": account.email,
        "firstName": account.first_name,
        "lastName": account.last_name,
        "principal": account.email,
        "account_type": "",
        "version": "3",
    }


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=400, headers=_NO_STORE
    )
