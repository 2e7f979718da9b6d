"""The WSGI application: Xero identity, Practice Manager v3.1 and the /_sandbox controls.

Production Xero spreads these over several hosts; here they share one origin:
  GET  /identity/connect/authorize      sign-in and consent pages, then a redirect with a code
  POST /connect/token                   authorization_code and refresh_token grants
  GET  /connections, DELETE /connections/{id}
  /practicemanager/v3.1/...             the API (XPM_API_BASE is {base}/practicemanager/)
  /_sandbox/faults, /_sandbox/stats     test controls
"""

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.xpm import bodies, faults, pages
from sandbox.xpm.clock import Clock
from sandbox.xpm.faults import FaultError, FaultSwitchboard
from sandbox.xpm.identity import KNOWN_SCOPES, AccessToken, IdentityService, TokenError
from sandbox.xpm.limits import RateLimiter
from sandbox.xpm.stats import Stats
from sandbox.xpm.store import (
    DATE_FORMAT,
    Client,
    Contact,
    PageTokenError,
    PracticeStore,
    json_bytes,
    page_token_decode,
    page_token_encode,
)
from sandbox.xpm.wsgi_server import DROP_CONNECTION

API_PREFIX = "/practicemanager/v3.1/"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
MAX_CONTACTS_PER_ADD = 10
JSON_TYPE = "application/json; charset=utf-8"
APP_NAME = "Tandem"


def json_response(value: object, status: int = 200, headers: dict | None = None) -> Response:
    return raw_json_response(json_bytes(value), status, headers)


def raw_json_response(body: bytes, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body, status=status, headers=headers, content_type=JSON_TYPE)


def api_error(status: int, description: str, headers: dict | None = None) -> Response:
    """`ResponseErrorDto`, the body the spec gives every XPM error."""
    return json_response({"status": "ERROR", "errorDescription": description}, status, headers)


def html_response(text: str, status: int = 200) -> Response:
    return Response(text, status=status, content_type="text/html; charset=utf-8")


def redirect_with(uri: str, params: dict[str, str | None]) -> Response:
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class DropConnection(Exception):
    """Close the connection without any answer, as a network failure would."""


@dataclass
class ApiCall:
    request: Request
    store: PracticeStore
    base_url: str


API_ROUTES: dict[str, tuple[str, str]] = {
    # endpoint -> (path under /practicemanager/v3.1/, method)
    "client_list": ("client.api/list", "GET"),
    "client_paged_list": ("client.api/paged-list", "GET"),
    "client_search": ("client.api/search", "GET"),
    "client_get": ("client.api/get/<identifier>", "GET"),
    "client_add": ("client.api/add", "POST"),
    "client_update": ("client.api/update", "PUT"),
    "contact_list": ("client.api/contacts", "GET"),
    "client_contacts_add": ("client.api/client/<identifier>/contacts", "POST"),
    "group_list": ("clientgroup.api/list", "GET"),
}


class XpmApp:
    def __init__(
        self,
        *,
        identity: IdentityService,
        practices: dict[str, PracticeStore],
        switchboard: FaultSwitchboard,
        limiter: RateLimiter,
        stats: Stats,
        clock: Clock,
    ) -> None:
        self.identity = identity
        self.practices = practices
        self.switchboard = switchboard
        self.limiter = limiter
        self.stats = stats
        self.clock = clock
        rules = [
            Rule("/", endpoint="index", methods=["GET"]),
            Rule("/identity/connect/authorize", endpoint="authorize", methods=["GET"]),
            Rule("/identity/connect/authorize/login", endpoint="login", methods=["POST"]),
            Rule("/identity/connect/consent", endpoint="consent", methods=["GET", "POST"]),
            Rule("/connect/token", endpoint="token", methods=["POST"]),
            Rule("/connections", endpoint="connections", methods=["GET"]),
            Rule("/Connections", endpoint="connections", methods=["GET"]),
            Rule("/connections/<connection_id>", endpoint="connection_delete", methods=["DELETE"]),
            Rule("/Connections/<connection_id>", endpoint="connection_delete", methods=["DELETE"]),
            Rule("/_sandbox/faults", endpoint="sandbox_faults", methods=["GET", "POST", "DELETE"]),
            Rule("/_sandbox/stats", endpoint="sandbox_stats", methods=["GET", "DELETE"]),
        ]
        rules += [
            Rule(API_PREFIX + path, endpoint=f"api:{name}", methods=[method])
            for name, (path, method) in API_ROUTES.items()
        ]
        self.url_map = Map(rules)

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except DropConnection:
            environ[DROP_CONNECTION] = True
            response = Response(b"", status=500)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        is_api = request.path.startswith(API_PREFIX)
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except NotFound:
            return api_error(404, "No such endpoint.") if is_api else _not_found()
        except MethodNotAllowed as error:
            if is_api:
                return api_error(405, f"{request.method} is not allowed here.")
            return error.get_response(request.environ)
        except HTTPException as error:
            return error.get_response(request.environ)
        if endpoint.startswith("api:"):
            return self.api(request, endpoint.removeprefix("api:"), args)
        if not endpoint.startswith("sandbox_"):
            failure = self._request_fault(request, is_api=False)
            if failure is not None:
                return failure
        return getattr(self, endpoint)(request, **args)

    def _request_fault(self, request: Request, *, is_api: bool) -> Response | None:
        path = request.path
        if self.switchboard.take("server_error", scope=faults.ANY, path=path):
            return api_error(500, "An unexpected error occurred.") if is_api else _plain_error(500)
        unavailable = self.switchboard.take("unavailable", scope=faults.ANY, path=path)
        if unavailable:
            retry_after = unavailable.params["retry_after"]
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            if is_api:
                return api_error(503, "The service is unavailable.", headers)
            return Response("Service unavailable", status=503, headers=headers)
        # An API call is slowed once admitted, so it counts as in flight while it waits.
        if not is_api:
            slow = self.switchboard.take("slow", scope=faults.ANY, path=path)
            if slow:
                time.sleep(float(slow.params["delay"]))
        return None

    # Identity: the authorize pages

    def index(self, request: Request) -> Response:
        base = request.host_url.rstrip("/")
        return json_response(
            {
                "authorize_url": f"{base}/identity/connect/authorize",
                "token_url": f"{base}/connect/token",
                "connections_url": f"{base}/connections",
                "api_base": f"{base}/practicemanager/",
                "max_page_size": MAX_PAGE_SIZE,
            }
        )

    def authorize(self, request: Request) -> Response:
        args = request.args
        app = self.identity.app
        client_id = args.get("client_id", "")
        redirect_uri = args.get("redirect_uri", "")
        if client_id != app.client_id:
            return html_response(pages.error_page("Unknown client_id."), 400)
        if redirect_uri not in app.redirect_uris:
            return html_response(
                pages.error_page("redirect_uri does not match any registered for this app."), 400
            )
        state = args.get("state")
        if args.get("response_type") != "code":
            return redirect_with(
                redirect_uri, {"error": "unsupported_response_type", "state": state}
            )
        scopes = args.get("scope", "").split()
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            return redirect_with(redirect_uri, {"error": "invalid_scope", "state": state})
        challenge = args.get("code_challenge")
        if challenge is not None and args.get("code_challenge_method") != "S256":
            return redirect_with(redirect_uri, {"error": "invalid_request", "state": state})
        pending = self.identity.authorize_request_start(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=" ".join(scopes),
            state=state,
            code_challenge=challenge,
        )
        return html_response(pages.login_page(request_id=pending.id, app_name=APP_NAME))

    def login(self, request: Request) -> Response:
        pending = self.identity.authorize_request_get(request.form.get("request", ""))
        if pending is None:
            return html_response(_expired_page(), 400)
        email = request.form.get("email", "")
        user = self.identity.user_authenticate(email, request.form.get("password", ""))
        if user is None:
            return html_response(
                pages.login_page(
                    request_id=pending.id,
                    app_name=APP_NAME,
                    email=email,
                    error="Your email address or password is incorrect.",
                ),
                401,
            )
        pending.user_email = user.email
        return Response(
            status=303,
            headers={"Location": f"/identity/connect/consent?{urlencode({'request': pending.id})}"},
        )

    def consent(self, request: Request) -> Response:
        values = request.form if request.method == "POST" else request.args
        pending = self.identity.authorize_request_get(values.get("request", ""))
        if pending is None or pending.user_email is None:
            return html_response(_expired_page(), 400)
        user = self.identity.users[pending.user_email]
        organisations = [self.identity.organisations[t] for t in user.tenant_ids]

        def consent_page(error: str = "", status: int = 200) -> Response:
            return html_response(
                pages.consent_page(
                    request_id=pending.id,
                    app_name=APP_NAME,
                    scope=pending.scope,
                    organisations=organisations,
                    error=error,
                ),
                status,
            )

        if request.method == "GET":
            return consent_page()
        if request.form.get("action") == "cancel":
            self.identity.requests.pop(pending.id, None)
            return redirect_with(
                pending.redirect_uri, {"error": "access_denied", "state": pending.state}
            )
        chosen = request.form.getlist("tenant")
        if not chosen:
            return consent_page("Choose at least one organisation.", 400)
        if not set(chosen) <= set(user.tenant_ids):
            return consent_page("You cannot give access to that organisation.", 400)
        code = self.identity.consent_grant(pending, chosen)
        return redirect_with(
            pending.redirect_uri, {"code": code, "scope": pending.scope, "state": pending.state}
        )

    # Identity: tokens and connections

    def token(self, request: Request) -> Response:
        form = request.form
        grant_type = form.get("grant_type", "")
        self.stats.token_call(grant_type or "(none)")
        try:
            client_id, client_secret = _client_credentials(request)
            self.identity.client_authenticate(client_id, client_secret)
            if grant_type == "authorization_code":
                answer = self.identity.code_exchange(
                    code=form.get("code", ""),
                    redirect_uri=form.get("redirect_uri"),
                    code_verifier=form.get("code_verifier"),
                )
            elif grant_type == "refresh_token":
                answer = self._refresh(request, form.get("refresh_token", ""))
            else:
                raise TokenError(
                    "unsupported_grant_type", "Use authorization_code or refresh_token."
                )
        except TokenError as error:
            return json_response(
                {"error": error.code, "error_description": error.description},
                400,
                {"Cache-Control": "no-store"},
            )
        return json_response(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _refresh(self, request: Request, refresh_token: str) -> dict:
        if self.switchboard.take("token_revoked", scope=faults.REFRESH_GRANT, path=request.path):
            raise TokenError("invalid_grant", "The connection was revoked.")
        answer = self.identity.refresh(refresh_token)
        if self.switchboard.take(
            "lost_refresh_response", scope=faults.REFRESH_GRANT, path=request.path
        ):
            raise DropConnection
        return answer

    def _bearer(self, request: Request) -> AccessToken | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.identity.access_token_get(token.strip())

    def connections(self, request: Request) -> Response:
        self.stats.connections_call()
        access = self._bearer(request)
        if access is None:
            return _unauthorized_identity()
        event = request.args.get("authEventId")
        found = [
            c.dto()
            for c in self.identity.connections_for(access)
            if event is None or c.auth_event_id == event
        ]
        return json_response(found)

    def connection_delete(self, request: Request, connection_id: str) -> Response:
        self.stats.connections_call()
        access = self._bearer(request)
        if access is None:
            return _unauthorized_identity()
        if not self.identity.connection_delete(access, connection_id):
            return json_response({"title": "Not Found", "status": 404}, 404)
        return Response(status=204)

    # Practice Manager API

    def api(self, request: Request, name: str, args: dict) -> Response:
        self.stats.api_call_start(API_ROUTES[name][0].replace("<identifier>", "{identifier}"))
        response = None
        try:
            response = self._request_fault(request, is_api=True) or self._api(request, name, args)
            return response
        finally:
            self.stats.api_call_end(response.status_code if response is not None else 500)

    def _api(self, request: Request, name: str, args: dict) -> Response:
        path = request.path
        access = self._bearer(request)
        revoked = self.switchboard.take("token_revoked", scope=faults.API, path=path)
        expired = self.switchboard.take("token_expired", scope=faults.API, path=path)
        if access is None or revoked or expired:
            return api_error(
                401,
                "The access token is missing, expired or revoked.",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        tenant_id = request.headers.get("Xero-Tenant-Id", "").strip()
        if not tenant_id:
            return api_error(403, "The Xero-Tenant-Id header is missing.")
        if tenant_id not in self.practices or not self.identity.tenant_reachable(access, tenant_id):
            return api_error(403, "This access token cannot reach that organisation.")
        refused = self._rate_limit_fault(path)
        if refused is not None:
            return refused
        admission = self.limiter.admit(tenant_id)
        if admission.problem is not None:
            return api_error(
                429,
                f"Rate limit exceeded: {admission.problem}.",
                admission.headers()
                | {
                    "Retry-After": str(admission.retry_after),
                    "X-Rate-Limit-Problem": admission.problem,
                },
            )
        try:
            slow = self.switchboard.take("slow", scope=faults.ANY, path=path)
            if slow:
                time.sleep(float(slow.params["delay"]))
            call = ApiCall(request, self.practices[tenant_id], request.host_url)
            try:
                response = getattr(self, name)(call, **args)
            except ApiError as error:
                response = api_error(error.status, error.description)
            except bodies.BodyError as error:
                response = api_error(400, str(error))
        finally:
            self.limiter.release(tenant_id)
        response.headers.update(admission.headers())
        if response.status_code == 200 and self.switchboard.take(
            "malformed_json", scope=faults.API, path=path
        ):
            body = response.get_data()
            response.set_data(body[: max(1, len(body) // 2)])
        return response

    def _rate_limit_fault(self, path: str) -> Response | None:
        for name, problem, remaining in (
            ("rate_limit_minute", "minute", "X-MinLimit-Remaining"),
            ("rate_limit_day", "day", "X-DayLimit-Remaining"),
        ):
            fault = self.switchboard.take(name, scope=faults.API, path=path)
            if fault:
                return api_error(
                    429,
                    f"Rate limit exceeded: {problem}.",
                    {
                        "Retry-After": str(fault.params["retry_after"]),
                        "X-Rate-Limit-Problem": problem,
                        remaining: "0",
                    },
                )
        return None

    # Practice Manager API: clients

    def client_list(self, call: ApiCall) -> Response:
        args = call.request.args
        since_text = args.get("modifiedSince")
        if since_text:
            since = _parse_modified_since(since_text)
            found = call.store.clients_modified_since(since)
        else:
            found = call.store.clients_live()
        return self._clients_answer(call, found, detailed=_flag(args.get("detailed")))

    def client_search(self, call: ApiCall) -> Response:
        args = call.request.args
        query = args.get("query", "").strip()
        if not query:
            raise ApiError(400, "Give a search query in the query parameter.")
        found = call.store.clients_search(query)
        return self._clients_answer(call, found, detailed=_flag(args.get("detailed")))

    def _clients_answer(self, call: ApiCall, found: list[Client], *, detailed: bool) -> Response:
        records = [call.store.client_dto(client, detailed=detailed) for client in found]
        records = self._absurd(call, records)
        records = _fields_only(records, call.request.args.get("fields"))
        return json_response({"status": "OK", "clients": records})

    def client_get(self, call: ApiCall, identifier: str) -> Response:
        client = self._client(call, identifier)
        record = call.store.client_dto(client, detailed=True)
        [record] = _fields_only(self._absurd(call, [record]), call.request.args.get("fields"))
        return json_response({"status": "OK", "client": record})

    def client_paged_list(self, call: ApiCall) -> Response:
        args = call.request.args
        size = _page_size(args.get("pageSize"))
        start = _page_start("clients", args.get("pageToken"))
        page, next_start = call.store.clients_page(start=start, size=size)
        cut = self.switchboard.take("cut_short_page", scope=faults.PAGED, path=call.request.path)
        if cut:
            page, next_start = page[: len(page) // 2], None
        fields = args.get("fields")
        absurd = self.switchboard.take(
            "absurd_record", scope=faults.CLIENT_LISTS, path=call.request.path
        )
        if fields or absurd:
            records = [dict(client.fields) for client in page]
            records = _fields_only(_absurd_apply(records) if absurd else records, fields)
            items = [json_bytes(record) for record in records]
        else:
            items = [call.store.base_json(client) for client in page]
        pagination = _pagination(call, "client.api/paged-list", "clients", size, next_start)
        if cut:
            # The link names a page that never existed: following it gets a 400.
            pagination["links"]["next"] = _page_link(
                call, "client.api/paged-list", size, page_token_encode("gone", start + size)
            )
        body = b'{"status":"OK","clients":[' + b",".join(items) + b'],"pagination":'
        body += json_bytes(pagination) + b"}"
        if cut and cut.params["mode"] == "truncated":
            body = body[
                : body.index(b'"clients":[') + len(b'"clients":[') + sum(map(len, items)) // 2
            ]
        return raw_json_response(body)

    def _absurd(self, call: ApiCall, records: list[dict]) -> list[dict]:
        if records and self.switchboard.take(
            "absurd_record", scope=faults.CLIENT_LISTS, path=call.request.path
        ):
            return _absurd_apply(records)
        return records

    def _client(self, call: ApiCall, identifier: str) -> Client:
        client = call.store.client_get(identifier)
        if client is None:
            raise ApiError(404, f"No client with uuid {identifier}.")
        return client

    def client_add(self, call: ApiCall) -> Response:
        body = bodies.body_check(_json_body(call.request), bodies.CLIENT_ADD_FIELDS)
        if not (body.get("name") or "").strip():
            raise bodies.BodyError("Field 'name' is required.")
        contacts = []
        for index, item in enumerate(body.pop("contacts", None) or []):
            bodies.body_check(item, bodies.CONTACT_INSERT_FIELDS, where=f"contacts[{index}]")
            if not (item.get("name") or "").strip():
                raise bodies.BodyError(f"Field 'name' of contacts[{index}] is required.")
            contacts.append(
                Contact(
                    uuid=str(uuid.uuid4()),
                    name=item["name"],
                    email=item.get("email"),
                    mobile=item.get("mobile"),
                    phone=item.get("phone"),
                    salutation=item.get("salutation"),
                    addressee=item.get("addressee"),
                )
            )
        fields = {"uuid": str(uuid.uuid4())} | _client_changes(call.store, body)
        fields = {key: value for key, value in fields.items() if value is not None}
        client = call.store.client_add(fields=fields, contacts=contacts, when=self._now())
        return json_response(
            {"status": "OK", "client": call.store.client_dto(client, detailed=True)}
        )

    def client_update(self, call: ApiCall) -> Response:
        body = bodies.body_check(_json_body(call.request), bodies.CLIENT_UPDATE_FIELDS)
        client = self._client(call, body.pop("uuid", None) or "")
        if "name" in body and not (body["name"] or "").strip():
            raise bodies.BodyError("Field 'name' cannot be empty.")
        changes = _client_changes(call.store, body)
        client = call.store.client_update(client.uuid, changes, self._now())
        return json_response(
            {"status": "OK", "client": call.store.client_dto(client, detailed=True)}
        )

    def contact_list(self, call: ApiCall) -> Response:
        args = call.request.args
        size = _page_size(args.get("pageSize"))
        start = _page_start("contacts", args.get("pageToken"))
        page, next_start = call.store.contacts_page(start=start, size=size)
        cut = self.switchboard.take("cut_short_page", scope=faults.PAGED, path=call.request.path)
        if cut:
            page, next_start = page[: len(page) // 2], None
        records = _fields_only([contact.dto() for contact in page], args.get("fields"))
        pagination = _pagination(call, "client.api/contacts", "contacts", size, next_start)
        if cut:
            pagination["links"]["next"] = _page_link(
                call, "client.api/contacts", size, page_token_encode("gone", start + size)
            )
        body = json_bytes({"status": "OK", "contacts": records, "pagination": pagination})
        if cut and cut.params["mode"] == "truncated":
            body = body[: len(body) // 2]
        return raw_json_response(body)

    def client_contacts_add(self, call: ApiCall, identifier: str) -> Response:
        body = bodies.body_check(_json_body(call.request), bodies.ADD_CONTACTS_FIELDS)
        client = self._client(call, identifier)
        items = body.get("contacts") or []
        if not items:
            raise bodies.BodyError("Field 'contacts' must list at least one contact.")
        if len(items) > MAX_CONTACTS_PER_ADD:
            raise bodies.BodyError(f"At most {MAX_CONTACTS_PER_ADD} contacts per request.")
        links = []
        for index, item in enumerate(items):
            bodies.body_check(item, bodies.CONTACT_LINK_FIELDS, where=f"contacts[{index}]")
            contact = call.store.contacts.get(item.get("uuid") or "")
            if contact is None or contact.is_deleted:
                raise ApiError(404, f"No contact with uuid {item.get('uuid')}.")
            if any(link.contact_uuid == contact.uuid for link in client.contact_links):
                raise ApiError(409, f"Contact {contact.uuid} is already linked to this client.")
            links.append((contact.uuid, item.get("position") or "", item.get("isPrimary") == "Yes"))
        call.store.client_contacts_link(client.uuid, links, self._now())
        return json_response(
            {
                "status": "OK",
                "client": {
                    "uuid": client.uuid,
                    "contacts": [
                        {"uuid": u, "position": p, "isPrimary": "Yes" if primary else "No"}
                        for u, p, primary in links
                    ],
                },
            }
        )

    def group_list(self, call: ApiCall) -> Response:
        groups = [group.dto() for group in call.store.groups.values()]
        return json_response(
            {"status": "OK", "groups": _fields_only(groups, call.request.args.get("fields"))}
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # Controls for tests and demos

    def sandbox_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.switchboard.clear()
            return Response(status=204)
        if request.method == "POST":
            try:
                params = json.loads(request.get_data() or b"{}")
                if not isinstance(params, dict) or "fault" not in params:
                    raise FaultError('Send a JSON object such as {"fault": "server_error"}.')
                self.switchboard.set(params.pop("fault"), **params)
            except (ValueError, TypeError) as error:
                return json_response({"error": str(error)}, 400)
            return json_response({"faults": self.switchboard.snapshot()}, 201)
        return json_response({"faults": self.switchboard.snapshot()})

    def sandbox_stats(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.stats.reset()
            return Response(status=204)
        return json_response(self.stats.snapshot())


def _not_found() -> Response:
    return Response("Not found", status=404, content_type="text/plain")


def _plain_error(status: int) -> Response:
    return json_response({"error": "server_error"}, status)


def _expired_page() -> str:
    return pages.error_page("This sign-in has expired or is unknown. Start again from the app.")


def _unauthorized_identity() -> Response:
    return json_response(
        {"title": "Unauthorized", "status": 401, "detail": "AuthenticationUnsuccessful"},
        401,
        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _client_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise TokenError("invalid_client", "Malformed Basic credentials.") from error
        client_id, _, client_secret = decoded.partition(":")
        return unquote(client_id), unquote(client_secret)
    return request.form.get("client_id"), request.form.get("client_secret")


def _json_body(request: Request) -> object:
    try:
        return json.loads(request.get_data() or b"null")
    except ValueError as error:
        raise bodies.BodyError("The body is not valid JSON.") from error


def _client_changes(store: PracticeStore, body: dict) -> dict:
    """Turn request fields into stored client fields (the response names and shapes)."""
    changes = {}
    for name, value in body.items():
        stored_name = bodies.STORED_NAMES.get(name, name)
        if name in ("accountManagerUuid", "jobManagerUuid"):
            changes[stored_name] = _staff_ref(store, value, name)
        elif name == "billingClientUuid":
            billing = store.client_get(value) if value else None
            if value and billing is None:
                raise bodies.BodyError(f"Field 'billingClientUuid': no client with uuid {value}.")
            changes[stored_name] = {"uuid": billing.uuid, "name": billing.name} if billing else None
        elif name == "balanceMonth" and value is not None:
            if not value.isdigit() or not 1 <= int(value) <= 12:
                raise bodies.BodyError("Field 'balanceMonth' must be a month number from 1 to 12.")
            changes[name] = int(value)
        else:
            changes[stored_name] = value
    return changes


def _staff_ref(store: PracticeStore, value: str | None, field: str) -> dict | None:
    if not value:
        return None
    staff = store.staff.get(value)
    if staff is None:
        raise bodies.BodyError(f"Field {field!r}: no staff member with uuid {value}.")
    return staff


def _flag(value: str | None) -> bool:
    return (value or "").lower() == "true"


def _parse_modified_since(text: str) -> datetime:
    try:
        return datetime.strptime(text, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError as error:
        raise ApiError(400, "modifiedSince must look like yyyy-MM-ddTHH:mm:ss.") from error


def _page_size(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_PAGE_SIZE
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise ApiError(400, f"pageSize must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    return int(text)


def _page_start(kind: str, token: str | None) -> int:
    if not token:
        return 0
    try:
        return page_token_decode(kind, token)
    except PageTokenError as error:
        raise ApiError(400, "pageToken is invalid or expired.") from error


def _page_link(call: ApiCall, path: str, size: int, token: str | None) -> str:
    params = {"pageSize": size}
    if token is not None:
        params["pageToken"] = token
    fields = call.request.args.get("fields")
    if fields:
        params["fields"] = fields
    return f"{call.base_url}practicemanager/v3.1/{path}?{urlencode(params)}"


def _pagination(call: ApiCall, path: str, kind: str, size: int, next_start: int | None) -> dict:
    links = {"first": _page_link(call, path, size, None)}
    if next_start is not None:
        links["next"] = _page_link(call, path, size, page_token_encode(kind, next_start))
    return {"links": links}


def _fields_only(records: list[dict], fields: str | None) -> list[dict]:
    if not fields:
        return records
    wanted = {name.strip() for name in fields.split(",") if name.strip()}
    return [{k: v for k, v in record.items() if k in wanted} for record in records]


def _absurd_apply(records: list[dict]) -> list[dict]:
    """Spoil the answer (never the store): absurd values in the first record, no name in the
    second."""
    spoiled = [dict(record) for record in records]
    spoiled[0] |= {
        "name": "X" * 10_000,
        "dateOfBirth": "1066-10-14T00:00:00",
        "email": "not-an-email",
    }
    if len(spoiled) > 1:
        spoiled[1].pop("name", None)
    return spoiled
