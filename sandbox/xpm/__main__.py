"""Run the XPM sandbox on its own: `python -m sandbox.xpm --port 8101`."""

import argparse
import contextlib
import logging
import threading

from sandbox.xpm.server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    DEFAULT_USER_EMAIL,
    DEFAULT_USER_PASSWORD,
    XpmSandbox,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.xpm", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help=f"registered redirect URI; repeat for several (default {DEFAULT_REDIRECT_URI})",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    sandbox = XpmSandbox(
        clients=args.clients,
        seed=args.seed,
        rate_limits=not args.no_rate_limits,
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uris or [DEFAULT_REDIRECT_URI],
        host=args.host,
        port=args.port,
    )
    sandbox.start()
    print(sandbox.base_url, flush=True)
    print(
        f"XPM sandbox: sign in as {DEFAULT_USER_EMAIL} / {DEFAULT_USER_PASSWORD}; "
        f"client id {args.client_id}; API base {sandbox.api_base}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
