"""Just enough of Tandem's OIDC provider and CMS endpoints to drive the sandbox's flows.

It checks what the sandbox must get right (exact redirect URI, PKCE S256, client secret,
the `connect` scope, the Bearer token on account calls) and answers as Tandem would. The flow
against a live Tandem is tested on Tandem's side.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.cms.feed_token import public_jwks
from sandbox.xpm.wsgi_server import WSGIServer


@dataclass
class FakeTandem:
    key: RSAKey
    client_id: str
    client_secret: str
    redirect_uri: str
    email: str
    email_verified: bool = True
    sub: str = "tandem-user-1"
    deny: bool = False
    codes: dict = field(default_factory=dict)
    access_tokens: set = field(default_factory=set)
    refresh_tokens: set = field(default_factory=set)
    registered: dict = field(default_factory=dict)
    unregistered: list = field(default_factory=list)
    _server: WSGIServer | None = None

    def __post_init__(self) -> None:
        self.url_map = Map(
            [
                Rule("/.well-known/openid-configuration", endpoint="discovery"),
                Rule("/o/authorize/", endpoint="authorize"),
                Rule("/o/token/", endpoint="token", methods=["POST"]),
                Rule("/o/jwks/", endpoint="jwks"),
                Rule("/cms/accounts/", endpoint="account_register", methods=["POST"]),
                Rule(
                    "/cms/accounts/<account_id>/", endpoint="account_unregister", methods=["DELETE"]
                ),
            ]
        )

    def __enter__(self) -> Self:
        self._server = WSGIServer(("127.0.0.1", 0), self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __call__(self, environ, start_response):
        request = Request(environ)
        endpoint, args = self.url_map.bind_to_environ(environ).match()
        return getattr(self, endpoint)(request, **args)(environ, start_response)

    def discovery(self, request: Request) -> Response:
        return _json(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/o/authorize/",
                "token_endpoint": f"{self.url}/o/token/",
                "jwks_uri": f"{self.url}/o/jwks/",
            }
        )

    def jwks(self, request: Request) -> Response:
        return _json(public_jwks(self.key))

    def authorize(self, request: Request) -> Response:
        args = request.args
        assert args["client_id"] == self.client_id
        assert args["redirect_uri"] == self.redirect_uri
        assert args["code_challenge_method"] == "S256"
        assert set(args["scope"].split()) == {"openid", "email", "profile", "connect"}
        if self.deny:
            query = {"error": "access_denied", "state": args["state"]}
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = (args["code_challenge"], args["nonce"])
            query = {"code": code, "state": args["state"]}
        return Response(status=302, headers={"Location": f"{self.redirect_uri}?{urlencode(query)}"})

    def token(self, request: Request) -> Response:
        assert request.authorization.username == self.client_id
        assert request.authorization.password == self.client_secret
        if request.form["grant_type"] == "refresh_token":
            # Rotated: the old refresh token is spent.
            self.refresh_tokens.remove(request.form["refresh_token"])
            return _json(self._tokens())
        challenge, nonce = self.codes.pop(request.form["code"])
        digest = hashlib.sha256(request.form["code_verifier"].encode()).digest()
        assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.client_id,
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "nonce": nonce,
            "iat": now,
            "exp": now + 600,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        return _json(self._tokens() | {"id_token": id_token})

    def _tokens(self) -> dict:
        access_token, refresh_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access_tokens.add(access_token)
        self.refresh_tokens.add(refresh_token)
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": 600,
            "scope": "openid email profile connect",
        }

    def _bearer_ok(self, request: Request) -> bool:
        return (
            request.headers.get("Authorization", "").removeprefix("Bearer ") in self.access_tokens
        )

    def account_register(self, request: Request) -> Response:
        if not self._bearer_ok(request):
            return _json({"code": "unauthorized"}, 401)
        body = request.get_json()
        known = body["account_id"] in self.registered
        self.registered[body["account_id"]] = body["account_name"]
        return _json({"connection_id": f"conn-{body['account_id'][:8]}"}, 200 if known else 201)

    def account_unregister(self, request: Request, account_id: str) -> Response:
        if not self._bearer_ok(request):
            return _json({"code": "unauthorized"}, 401)
        self.unregistered.append(account_id)
        self.registered.pop(account_id, None)
        return Response(status=204)


def _json(value: object, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, content_type="application/json")
