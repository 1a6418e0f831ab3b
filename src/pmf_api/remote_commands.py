"""The ``pmf-api push`` and ``pmf-api pull`` commands: their arguments and what they print (the
client itself: ``pmf_api.remote``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

COMMANDS = ("push", "pull")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``push`` and ``pull`` to the ``pmf-api`` command's subparsers."""
    push = commands.add_parser(
        "push",
        help="Send a file of values (CSV, XLSX or JSON) to a remote server's bulk push with an API key; "
        "exit 0 when every row is accepted, 1 when rows are refused, 2 when the push fails",
    )
    push.add_argument("file", type=Path, help="A .csv, .xlsx or .json file of rows (kpi_code, period, value, ...)")
    _remote_arguments(push)
    push.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing")
    push.add_argument("--atomic", action="store_true", help="Write all rows or none")
    push.add_argument("--submit", action="store_true", help="Also submit each saved row to the performance team")
    push.add_argument("--idempotency-key", help="Your id for this push: sent again, it is never written twice")
    push.add_argument("--json", action="store_true", help="Print the server's report as JSON instead of a table")
    pull = commands.add_parser(
        "pull",
        help="Read a feed from a remote server with an API key, every page, into one CSV; exit 2 when it fails",
    )
    pull.add_argument("feed", help="The feed's name (GET /api/v1/feeds lists them), e.g. kpi-values, actions")
    _remote_arguments(pull)
    pull.add_argument("--from", dest="range_start", type=_date, help="First period end (YYYY-MM-DD)")
    pull.add_argument("--to", dest="range_end", type=_date, help="Last period end (YYYY-MM-DD)")
    pull.add_argument("--updated-since", help="Only rows changed since (an ISO date or time; UTC without a zone)")
    pull.add_argument("--limit", type=int, help=argparse.SUPPRESS)  # rows per page (the server's default otherwise)
    pull.add_argument("--output", type=Path, help="Where to write the CSV (default: standard output)")


def run(args: argparse.Namespace) -> int:
    return _push(args) if args.command == "push" else _pull(args)


def _remote_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--url", help="The server, e.g. https://pmf.example.gov.uk (default: PMF_URL)")
    command.add_argument("--api-key", help="An API key (default: PMF_API_KEY); prefer the variable to the flag")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: give YYYY-MM-DD") from None


def _push(args: argparse.Namespace) -> int:
    from pmf_api import remote

    bar = remote.stderr_progress()
    try:
        server = remote.Server.of(args.url, args.api_key)
        outcome = remote.push(
            server,
            args.file,
            dry_run=args.dry_run,
            atomic=args.atomic,
            submit=args.submit,
            idempotency_key=args.idempotency_key,
            progress=bar,
        )
    except remote.RemoteError as exc:
        bar.close()
        print(f"pmf-api push: {exc}", file=sys.stderr)
        return remote.EXIT_FAILED
    bar.close()
    print(json.dumps(outcome.report, indent=2) if args.json else remote.push_table(outcome.report))
    return outcome.exit_code


def _pull(args: argparse.Namespace) -> int:
    from pmf_api import remote

    bar = remote.stderr_progress()

    def write(out: TextIO) -> int:
        return remote.pull(
            server,
            args.feed,
            out,
            range_start=args.range_start,
            range_end=args.range_end,
            updated_since=args.updated_since,
            limit=args.limit,
            progress=bar,
        )

    try:
        server = remote.Server.of(args.url, args.api_key)
        if args.range_start and args.range_end and args.range_start > args.range_end:
            raise remote.RemoteError(f"--from {args.range_start} is after --to {args.range_end}")
        rows = remote.write_atomically(args.output, write) if args.output else write(sys.stdout)
    except remote.RemoteError as exc:
        bar.close()
        print(f"pmf-api pull: {exc}", file=sys.stderr)
        return remote.EXIT_FAILED
    bar.close()
    if args.output:
        print(f"Wrote {rows} rows of {args.feed} to {args.output}", file=sys.stderr)
    return remote.EXIT_OK
