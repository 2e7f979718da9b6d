"""The WSGI application: the CMS's pages, its Tandem sign-in and connect flows, and the feed.

GET  /login, POST /login, POST /logout        password sign-in
POST /oauth/login                             "Log in with Tandem"
GET  /account, GET /account/connected         My Account and its Connected Accounts tab
POST /account/connect                         "Connect to Tandem"
POST /account/connected/{account}/disconnect
GET  /oauth/callback                          the redirect URI registered with Tandem
GET  /feed/clients, GET /feed/clients/{id}    the client feed (Tandem's contract)
/_sandbox/faults                              test controls
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox.cms.faults import FaultError, FaultSwitchboard
from sandbox.cms.feed_auth import FeedAuthError, FeedCaller, FeedTokenVerifier
from sandbox.cms.pages import Flash, connected_page, login_page, profile_page
from sandbox.cms.store import (
    CmsStore,
    Connection,
    PageTokenError,
    User,
    page_token_decode,
    timestamp_parse,
)
from sandbox.cms.tandem import AuthorizationStart, TandemClient, TandemError, TandemIdentity
from sandbox.xpm.clock import Clock

SESSION_COOKIE = "carecloud_session"
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
# An abandoned sign-in at Tandem is forgotten after this long.
PENDING_SECONDS = 600
PROBLEM_TITLES = {
    "invalid_request": "Invalid request",
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
    "not_found": "Not found",
    "rate_limited": "Too many requests",
    "server_error": "Server error",
}
PROBLEM_STATUSES = {
    "invalid_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "rate_limited": 429,
    "server_error": 500,
}


class Problem(Exception):
    def __init__(self, code: str, detail: str, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.headers = headers or {}

    def response(self, request: Request) -> Response:
        body = {
            "type": f"{request.host_url}problems/{self.code}",
            "title": PROBLEM_TITLES[self.code],
            "status": PROBLEM_STATUSES[self.code],
            "detail": self.detail,
            "code": self.code,
        }
        return Response(
            json.dumps(body),
            status=PROBLEM_STATUSES[self.code],
            headers=self.headers,
            content_type="application/problem+json",
        )


@dataclass
class Session:
    user_email: str | None = None
    flashes: list[Flash] = field(default_factory=list)


@dataclass
class PendingAuthorization:
    start: AuthorizationStart
    intent: Literal["login", "connect"]
    session_id: str
    created_at: float


def json_response(value: object) -> Response:
    return Response(json.dumps(value), content_type="application/json")


class CmsApp:
    def __init__(
        self,
        *,
        store: CmsStore,
        tandem: TandemClient,
        feed_verifier: FeedTokenVerifier,
        switchboard: FaultSwitchboard,
        clock: Clock,
    ) -> None:
        self.store = store
        self.tandem = tandem
        self.feed_verifier = feed_verifier
        self.switchboard = switchboard
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._pending: dict[str, PendingAuthorization] = {}
        self.url_map = Map(
            [
                Rule("/", endpoint="index", methods=["GET"]),
                Rule("/login", endpoint="login", methods=["GET", "POST"]),
                Rule("/logout", endpoint="logout", methods=["POST"]),
                Rule("/oauth/login", endpoint="tandem_login", methods=["POST"]),
                Rule("/oauth/callback", endpoint="oauth_callback", methods=["GET"]),
                Rule("/account", endpoint="profile", methods=["GET"]),
                Rule("/account/connected", endpoint="connected", methods=["GET"]),
                Rule("/account/connect", endpoint="connect", methods=["POST"]),
                Rule(
                    "/account/connected/<account_id>/disconnect",
                    endpoint="disconnect",
                    methods=["POST"],
                ),
                Rule("/feed/clients", endpoint="feed_list", methods=["GET"]),
                Rule("/feed/clients/<client_id>", endpoint="feed_get", methods=["GET"]),
                Rule(
                    "/_sandbox/faults", endpoint="sandbox_faults", methods=["GET", "POST", "DELETE"]
                ),
            ]
        )

    def __call__(self, environ, start_response):
        request = Request(environ)
        session_id = request.cookies.get(SESSION_COOKIE)
        request.environ["cms.session_id"] = session_id
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            if endpoint.startswith("feed_"):
                response = self.feed(request, endpoint, args)
            else:
                response = getattr(self, endpoint)(request, **args)
        except HTTPException as error:
            if request.path.startswith("/feed/") and error.code == 404:
                response = Problem("not_found", "No such feed endpoint.").response(request)
            else:
                response = error.get_response(environ)
        new_session_id = request.environ["cms.session_id"]
        if new_session_id != session_id:
            # SameSite=Lax keeps other sites' forms from posting as the signed-in person.
            response.set_cookie(SESSION_COOKIE, new_session_id, httponly=True, samesite="Lax")
        return response(environ, start_response)

    # Sessions

    def _session(self, request: Request) -> Session:
        with self._lock:
            session_id = request.environ["cms.session_id"]
            if session_id not in self._sessions:
                session_id = secrets.token_urlsafe(24)
                request.environ["cms.session_id"] = session_id
                self._sessions[session_id] = Session()
            return self._sessions[session_id]

    def _user(self, request: Request) -> User | None:
        session = self._sessions.get(request.environ["cms.session_id"] or "")
        if session is None or session.user_email is None:
            return None
        return self.store.user_get(session.user_email)

    def _sign_in(self, request: Request, user: User) -> None:
        # A new session id on every sign-in, so an id planted before it is worth nothing.
        with self._lock:
            self._sessions.pop(request.environ["cms.session_id"] or "", None)
            request.environ["cms.session_id"] = None
        self._session(request).user_email = user.email

    def _flash(self, request: Request, text: str, *, is_error: bool = False) -> None:
        self._session(request).flashes.append(Flash(text, is_error))

    def _flashes(self, request: Request) -> list[Flash]:
        session = self._session(request)
        taken, session.flashes = session.flashes, []
        return taken

    # Pages

    def index(self, request: Request) -> Response:
        return redirect("/account/connected" if self._user(request) else "/login", 303)

    def login(self, request: Request) -> Response:
        if request.method == "GET":
            return _html(login_page(flashes=self._flashes(request)))
        email = request.form.get("email", "")
        user = self.store.user_authenticate(email, request.form.get("password", ""))
        if user is None:
            flash = Flash("Your email or password is incorrect.", is_error=True)
            return _html(login_page(email=email, flashes=[flash]), 401)
        self._sign_in(request, user)
        return redirect("/account/connected", 303)

    def logout(self, request: Request) -> Response:
        with self._lock:
            self._sessions.pop(request.environ["cms.session_id"] or "", None)
        return redirect("/login", 303)

    def profile(self, request: Request) -> Response:
        user = self._user(request)
        if user is None:
            return redirect("/login", 303)
        accounts = [self.store.accounts[account_id] for account_id in user.account_ids]
        return _html(profile_page(user=user, accounts=accounts, flashes=self._flashes(request)))

    def connected(self, request: Request) -> Response:
        user = self._user(request)
        if user is None:
            return redirect("/login", 303)
        return _html(
            connected_page(
                user=user,
                accounts=[self.store.accounts[account_id] for account_id in user.account_ids],
                connections=dict(self.store.connections),
                flashes=self._flashes(request),
            )
        )

    # Tandem: sign-in and connect

    def tandem_login(self, request: Request) -> Response:
        return self._authorization_begin(request, "login")

    def connect(self, request: Request) -> Response:
        if self._user(request) is None:
            return redirect("/login", 303)
        return self._authorization_begin(request, "connect")

    def _authorization_begin(self, request: Request, intent: str) -> Response:
        self._session(request)
        back = "/login" if intent == "login" else "/account/connected"
        try:
            start = self.tandem.authorization_start()
        except TandemError as error:
            self._flash(request, str(error), is_error=True)
            return redirect(back, 303)
        with self._lock:
            now = self.clock()
            for state in [
                s for s, p in self._pending.items() if now - p.created_at > PENDING_SECONDS
            ]:
                del self._pending[state]
            self._pending[start.state] = PendingAuthorization(
                start=start,
                intent=intent,
                session_id=request.environ["cms.session_id"],
                created_at=now,
            )
        return redirect(start.url, 303)

    def oauth_callback(self, request: Request) -> Response:
        with self._lock:
            pending = self._pending.pop(request.args.get("state", ""), None)
        # The state must come back to the browser that started the flow (CSRF on the callback).
        if pending is None or pending.session_id != request.environ["cms.session_id"]:
            self._flash(request, "That sign-in with Tandem expired; start again.", is_error=True)
            return redirect("/login", 303)
        back = "/login" if pending.intent == "login" else "/account/connected"
        if "error" in request.args:
            reason = request.args.get("error_description") or request.args["error"]
            self._flash(request, f"Tandem did not connect: {reason}.", is_error=True)
            return redirect(back, 303)
        try:
            identity = self.tandem.authorization_finish(
                code=request.args.get("code", ""), start=pending.start
            )
        except TandemError as error:
            self._flash(request, str(error), is_error=True)
            return redirect(back, 303)
        if pending.intent == "login":
            user = self._user_for(request, identity)
            if user is None:
                return redirect("/login", 303)
            self._sign_in(request, user)
        else:
            user = self._user(request)
            if user is None:
                return redirect("/login", 303)
        self._accounts_connect(request, user, identity)
        return redirect("/account/connected", 303)

    def _user_for(self, request: Request, identity: TandemIdentity) -> User | None:
        user = self.store.user_get(identity.email) if identity.email else None
        if user is None or not identity.email_verified:
            problem = "has not verified" if user is not None else "matches no user with"
            self._flash(
                request,
                f"Tandem {problem} the email {identity.email or '(none)'}. Log in with your "
                "password, then connect from My Account.",
                is_error=True,
            )
            return None
        return user

    def _accounts_connect(self, request: Request, user: User, identity: TandemIdentity) -> None:
        for account_id in user.account_ids:
            account = self.store.accounts[account_id]
            try:
                connection_id = self.tandem.account_register(
                    grant=identity.grant,
                    account_id=account.id,
                    account_name=account.name,
                )
            except TandemError as error:
                self._flash(request, f"{account.name}: {error}", is_error=True)
                continue
            self.store.connection_record(
                Connection(
                    account_id=account.id,
                    tandem_sub=identity.sub,
                    connection_id=connection_id,
                    connected_by=user.email,
                    connected_at=datetime.fromtimestamp(self.clock(), UTC),
                    grant=identity.grant,
                )
            )

    def disconnect(self, request: Request, account_id: str) -> Response:
        user = self._user(request)
        if user is None:
            return redirect("/login", 303)
        if account_id not in user.account_ids:
            return _html("Not found", 404)
        connection = self.store.connection_forget(account_id)
        if connection is not None:
            name = self.store.accounts[account_id].name
            try:
                if connection.grant is None:
                    raise TandemError("it was connected without Tandem's tokens.")
                self.tandem.account_unregister(grant=connection.grant, account_id=account_id)
            except TandemError as error:
                # Forgotten here all the same: the feed now refuses Tandem for this account.
                self._flash(request, f"{name} is disconnected here, but {error}", is_error=True)
            else:
                self._flash(request, f"{name} is disconnected from Tandem.")
        return redirect("/account/connected", 303)

    # The client feed

    def feed(self, request: Request, endpoint: str, args: dict) -> Response:
        path = request.path
        try:
            caller = self._feed_caller(request)
            slow = self.switchboard.take("slow", path)
            if slow:
                time.sleep(float(slow.params["delay"]))
            limited = self.switchboard.take("rate_limited", path)
            if limited:
                raise Problem(
                    "rate_limited",
                    "Too many requests; retry later.",
                    {"Retry-After": str(limited.params["retry_after"])},
                )
            if self.switchboard.take("server_error", path):
                raise Problem("server_error", "The CMS failed; try again later.")
            if endpoint == "feed_list":
                body = self._feed_list(request, caller.account_id)
            else:
                body = self._feed_get(request, args["client_id"], caller.account_id)
        except Problem as problem:
            return problem.response(request)
        data = json.dumps(body).encode()
        if self.switchboard.take("malformed_json", path):
            data = data[: len(data) // 2]
        return Response(data, content_type="application/json")

    def _feed_caller(self, request: Request) -> FeedCaller:
        """Who calls: a valid Tandem token naming a connection this CMS holds."""
        authorization = request.headers.get("Authorization", "")
        try:
            caller = self.feed_verifier.verify(authorization)
        except FeedAuthError as error:
            challenge = 'Bearer error="invalid_token"' if authorization else "Bearer"
            raise Problem("unauthorized", str(error), {"WWW-Authenticate": challenge}) from None
        except TandemError as error:
            raise Problem("server_error", f"Could not check the token: {error}") from None
        if self.switchboard.take("revoked", request.path) or not self.store.connection_for(
            account_id=caller.account_id, tandem_sub=caller.tandem_sub
        ):
            raise Problem(
                "forbidden", "That account is not connected to Tandem for the token's user."
            )
        return caller

    def _feed_list(self, request: Request, account_id: str) -> dict:
        args = request.args
        limit_text = args.get("limit", str(DEFAULT_LIMIT))
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise Problem("invalid_request", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
        since = after = None
        try:
            if "page_token" in args:
                since, after = page_token_decode(args["page_token"])
            elif "updated_since" in args:
                since = timestamp_parse(args["updated_since"])
        except PageTokenError as error:
            raise Problem("invalid_request", str(error)) from None
        except ValueError as error:
            raise Problem("invalid_request", f"updated_since: {error}") from None
        page, next_token = self.store.clients_page(
            account_id, since=since, after=after, limit=int(limit_text)
        )
        records = [client.record() for client in page]
        if next_token and self.switchboard.take("cut_short_page", request.path):
            # The token still points past the whole page: the dropped half is never listed.
            records = records[: len(records) // 2]
        if records and self.switchboard.take("garbage_record", request.path):
            records[len(records) // 2] = _garbage(records[len(records) // 2])
        return {"clients": records, "next_page_token": next_token}

    def _feed_get(self, request: Request, client_id: str, account_id: str) -> dict:
        client = self.store.client_get(account_id, client_id)
        if client is None:
            raise Problem("not_found", f"This account has no client {client_id}.")
        record = client.record()
        return _garbage(record) if self.switchboard.take("garbage_record", request.path) else record

    # Controls

    def sandbox_faults(self, request: Request) -> Response:
        if request.method == "POST":
            options = request.get_json(silent=True)
            if not isinstance(options, dict) or "fault" not in options:
                return Response('Send {"fault": name, ...}', status=400)
            try:
                self.switchboard.set(options.pop("fault"), **options)
            except (FaultError, TypeError) as error:
                return Response(str(error), status=400)
        elif request.method == "DELETE":
            self.switchboard.clear()
        return json_response(self.switchboard.snapshot())


def _garbage(record: dict) -> dict:
    """A record no schema accepts, keeping its id so a consumer can say which one was bad."""
    return {
        "id": record["id"],
        "kind": "spaceship",
        "display_name": "",
        "date_of_birth": "31/02/1950",
        "archived": "no",
        "updated_at": "last Tuesday",
    }


def _html(text: str, status: int = 200) -> Response:
    return Response(text, status=status, content_type="text/html; charset=utf-8")
