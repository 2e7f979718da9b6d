"""tandem-agent: sends a practice's APS client export to Tandem.

    tandem-agent login [--server URL]   sign in (a firm administrator approves in Tandem)
    tandem-agent push EXPORT.csv        send the new and changed clients
    tandem-agent watch EXPORT.csv       send again whenever the export changes

Exit status: 0 when everything readable was sent, 2 when some rows or clients were skipped
(each is listed), 1 when the command could not do its job (one line says why), 130 when
interrupted (a later push carries on where it stopped).
"""

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import httpx
import watchfiles

from tandem_agent.client import (
    DEFAULT_CLIENT_ID,
    TIMEOUT,
    TandemApi,
    device_sign_in_start,
    device_sign_in_wait,
)
from tandem_agent.errors import AgentError
from tandem_agent.export import Export, ExportUnreadable, export_read
from tandem_agent.push import PushSummary, push
from tandem_agent.state import Credentials, state_dir_resolve

EXIT_OK, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 130
ROWS_LISTED = 50


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO = sys.stdout,
    stop: threading.Event | None = None,
) -> int:
    args = _parser().parse_args(argv)
    try:
        state_dir = state_dir_resolve(args.state_dir)
        if args.command == "login":
            return _login(args, state_dir, out)
        if args.command == "push":
            return _push(args, state_dir, out)
        return _watch(args, state_dir, out, stop or threading.Event())
    except AgentError as error:
        print(f"tandem-agent: {error}", file=out)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            "Interrupted. What Tandem acknowledged is kept: push again to send the rest.", file=out
        )
        return EXIT_INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem-agent", description="Sends a practice's APS client export to Tandem."
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="where the sign-in and what was sent are kept (default ~/.config/tandem-agent)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    login = commands.add_parser("login", help="sign in to Tandem")
    login.add_argument(
        "--server",
        default=os.environ.get("TANDEM_URL", "http://127.0.0.1:8000"),
        help="Tandem's address (default $TANDEM_URL or http://127.0.0.1:8000)",
    )
    login.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help=argparse.SUPPRESS)
    for name, text in (
        ("push", "send the export's new and changed clients"),
        ("watch", "send the export again each time it changes"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("export", type=Path, help="the APS client export (CSV)")
        command.add_argument("--batch-size", type=int, default=200, help="clients per request")
        command.add_argument("--retries", type=int, default=6, help="tries again per request")
        if name == "push":
            command.add_argument(
                "--dry-run", action="store_true", help="say what would be sent; send nothing"
            )
    return parser


def _login(args: argparse.Namespace, state_dir: Path, out: TextIO) -> int:
    server = args.server.rstrip("/")
    with httpx.Client(timeout=TIMEOUT) as http:
        sign_in = device_sign_in_start(http, server=server, client_id=args.client_id)
        print(
            f"To sign the agent in, a firm administrator opens {sign_in.verification_uri}\n"
            f"and enters the code {sign_in.user_code}",
            file=out,
            flush=True,
        )
        if sign_in.verification_uri_complete:
            print(f"(or opens {sign_in.verification_uri_complete})", file=out, flush=True)
        credentials = device_sign_in_wait(http, sign_in, server=server, client_id=args.client_id)
    credentials.save(state_dir)
    api = TandemApi(credentials, state_dir=state_dir)
    try:
        who = api.connection()
    finally:
        api.close()
    print(f"Signed in: sending {who['firm']}'s {who['account']} as {who['user']}.", file=out)
    return EXIT_OK


def _push(args: argparse.Namespace, state_dir: Path, out: TextIO) -> int:
    try:
        export = export_read(args.export)
    except ExportUnreadable as error:
        raise AgentError(str(error)) from None
    api = TandemApi(Credentials.load(state_dir), state_dir=state_dir, retries=args.retries)
    try:
        summary = push(
            export,
            api=api,
            state_dir=state_dir,
            batch_size=args.batch_size,
            dry_run=getattr(args, "dry_run", False),
            out=out,
            progress=out.isatty(),
        )
    finally:
        api.close()
    _report(export, summary, out, dry_run=getattr(args, "dry_run", False))
    return EXIT_OK if summary.complete and not export.problems else EXIT_INCOMPLETE


def _watch(args: argparse.Namespace, state_dir: Path, out: TextIO, stop: threading.Event) -> int:
    export = args.export.resolve()
    print(f"Watching {export}; Ctrl-C stops.", file=out, flush=True)
    _push_reporting(args, state_dir, out)
    for _ in watchfiles.watch(
        export.parent,
        watch_filter=lambda _change, path: Path(path) == export,
        stop_event=stop,
    ):
        if export.exists():
            _push_reporting(args, state_dir, out)
    return EXIT_OK


def _push_reporting(args: argparse.Namespace, state_dir: Path, out: TextIO) -> None:
    """A push in `watch`: a failure is reported, and the next change tries again."""
    try:
        _push(args, state_dir, out)
    except AgentError as error:
        print(f"tandem-agent: {error}", file=out, flush=True)


def _report(export: Export, summary: PushSummary, out: TextIO, *, dry_run: bool) -> None:
    lines = []
    if export.problems:
        lines.append(f"Rows skipped: {len(export.problems)}")
        lines += _listed([str(problem) for problem in export.problems])
    if summary.refused:
        lines.append(f"Clients Tandem refused (sent again next time): {len(summary.refused)}")
        lines += _listed(summary.refused)
    if export.missing_columns:
        lines.append(
            "The export has no column " + ", ".join(export.missing_columns) + ": sent as empty."
        )
    would = "Would send" if dry_run else "Sent"
    lines.append(
        f"{would} {summary.new} new and {summary.changed} changed clients"
        + ("" if dry_run else f" ({summary.sent} accepted, {len(summary.refused)} refused)")
        + f"; {summary.unchanged} unchanged."
    )
    if summary.gone:
        verb = "would be archived" if dry_run else "archived"
        lines.append(f"Gone from the export ({verb} in Tandem): {len(summary.gone)}")
        lines += _listed(summary.gone)
    print("\n".join(lines), file=out, flush=True)


def _listed(items: list[str]) -> list[str]:
    """The first ROWS_LISTED of `items`, indented, and how many more there are."""
    lines = [f"  {item}" for item in items[:ROWS_LISTED]]
    if len(items) > ROWS_LISTED:
        lines.append(f"  ... and {len(items) - ROWS_LISTED} more")
    return lines
