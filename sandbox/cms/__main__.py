"""Run the CMS sandbox on its own: `python -m sandbox.cms --port 8102 --tandem-url URL`."""

import argparse
import contextlib
import logging
import os
import threading

from sandbox.cms.server import (
    CARER_EMAIL,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PORT,
    SANDBOX_PASSWORD,
    TANDEM_DEMO_ADMIN_EMAIL,
    CmsSandbox,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.cms", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tandem-url", required=True, help="Tandem's base URL (its OIDC issuer)")
    parser.add_argument(
        "--client-id",
        default=os.environ.get("CMS_SANDBOX_CLIENT_ID", DEFAULT_CLIENT_ID),
        help="the OAuth client id Tandem gave this CMS (env CMS_SANDBOX_CLIENT_ID)",
    )
    parser.add_argument(
        "--client-secret",
        default=os.environ.get("CMS_SANDBOX_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
        help="its client secret (env CMS_SANDBOX_CLIENT_SECRET)",
    )
    parser.add_argument("--clients", type=int, default=40, help="clients per account")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jwks-url", help="trust feed tokens signed by these keys instead of Tandem's"
    )
    parser.add_argument("--issuer", help="the feed tokens' iss when --jwks-url is given")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if (args.jwks_url is None) != (args.issuer is None):
        parser.error("--jwks-url and --issuer go together")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    sandbox = CmsSandbox(
        tandem_url=args.tandem_url,
        client_id=args.client_id,
        client_secret=args.client_secret,
        clients=args.clients,
        seed=args.seed,
        jwks_url=args.jwks_url,
        feed_issuer=args.issuer,
        host=args.host,
        port=args.port,
    )
    sandbox.start()
    print(sandbox.url, flush=True)
    print(
        f"CMS sandbox (CareCloud): log in as {TANDEM_DEMO_ADMIN_EMAIL} or {CARER_EMAIL}, "
        f"password {SANDBOX_PASSWORD}; client id {args.client_id}; redirect URI "
        f"{sandbox.redirect_uri}; client feed {sandbox.feed_url}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
