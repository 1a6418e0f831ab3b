"""The ``pmf-api`` command: serve, migrate, load the demo council, mint tokens, write the spec."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import signal
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api import remote_commands
from pmf_api.access.actor import Grant, ScopeType
from pmf_api.access.tokens import mint_token
from pmf_api.config import Settings, get_settings, is_loopback
from pmf_api.domain.workflow import Role
from pmf_api.framework.organisations.repository import OrganisationRepository, PersonRepository, directory
from pmf_api.platform.db.migrations import upgrade
from pmf_api.platform.db.session import DatabaseUnavailable, create_engine, create_sessionmaker, unit_of_work

if TYPE_CHECKING:
    from pmf_api.framework.organisations.models import Organisation, Person

DEFAULT_SPEC_PATH = Path("openapi/openapi.json")
REPORT_FORMATS = ("html", "pdf", "xlsx", "csv", "json")
REPORT_KINDS = ("quarterly_report", "board_pack")
REPORT_JOB_KIND = "report"  # the registered kind `pmf-api report` runs (pmf_api.reporting.jobs.registry)


def openapi_document() -> str:
    """The OpenAPI spec exactly as committed in ``openapi/openapi.json``."""
    from pmf_api.main import create_app

    spec = create_app(Settings(environment="test", api_docs=True)).openapi()
    return json.dumps(spec, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


async def _load_demo(settings: Settings) -> Organisation:
    from pmf_api.demo import load_demo

    engine = create_engine(settings)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            return await load_demo(session)
    finally:
        await engine.dispose()


async def _resolve_scope(
    session: AsyncSession, organisation: Organisation, scope: str
) -> tuple[ScopeType, uuid.UUID | None]:
    kind, _, code = scope.partition(":")
    try:
        scope_type = ScopeType(kind)
    except ValueError:
        raise SystemExit("--scope must be organisation, directorate:CODE, service:CODE or portfolio:CODE") from None
    if scope_type is ScopeType.ORGANISATION:
        return scope_type, None
    if not code:
        raise SystemExit(f"--scope {kind} needs a code, e.g. --scope {kind}:WASTE")
    found = await directory.scope_id_of(session, organisation.id, scope_type, code)
    if found is None:
        raise SystemExit(f"No {kind} with code {code} in {organisation.code}")
    return scope_type, found


async def _mint(settings: Settings, args: argparse.Namespace) -> str:
    """A token for the organisation. In the demo council, a single ``--role`` without ``--scope``
    speaks as the demo person who holds that role, at that person's scope."""
    from pmf_api.demo import DEMO_ORGANISATION_CODE, demo_grant

    roles = [Role(role) for role in (args.role or [Role.PERFORMANCE.value])]
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            organisation = await OrganisationRepository(session).find_by_code(args.organisation)
            if organisation is None:
                raise SystemExit(
                    f"No organisation {args.organisation}: run `pmf-api demo` first (or pass --organisation)"
                )
            person: Person | None = None
            if organisation.code == DEMO_ORGANISATION_CODE and args.scope is None and len(roles) == 1 and args.role:
                person, grant = await demo_grant(session, organisation.id, roles[0])
                grants = [grant]
            else:
                scope_type, scope_id = await _resolve_scope(session, organisation, args.scope or "organisation")
                grants = [Grant(role, scope_type, scope_id) for role in roles]
            if args.subject:
                person = await PersonRepository(session).find_by_email(organisation.id, args.subject)
            subject = args.subject or (person.email if person else "performance.team@" + organisation.code.lower())
            return mint_token(
                settings,
                organisation_id=organisation.id,
                subject=subject,
                name=person.name if person else "Performance Team",
                grants=grants,
                person_id=person.id if person else None,
                ttl=timedelta(minutes=args.ttl_minutes) if args.ttl_minutes else None,
            )
    finally:
        await engine.dispose()


def _refuse_exposure(settings: Settings) -> None:
    """Without a secret of its own the service listens on loopback only (PMF_HOST is checked by the
    settings; ``--host`` is checked here, before anything is migrated or loaded)."""
    if not settings.jwt_secret_configured and not is_loopback(settings.host):
        raise SystemExit(
            f"Refusing to listen on {settings.host}: beyond loopback the service needs a secret of your own. "
            "Set PMF_JWT_SECRET (e.g. to the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`), or serve on 127.0.0.1"
        )


def _serve(settings: Settings, reload: bool = False) -> None:
    import uvicorn

    print(
        f"PMF API in {settings.mode_description}\n"
        f"  on http://{settings.host}:{settings.port}\n"
        f"  interactive docs: http://{settings.host}:{settings.port}/docs\n"
        "  get a token:      pmf-api token   (then press Authorize in the docs and paste it)",
        flush=True,
    )
    uvicorn.run(
        "pmf_api.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        access_log=False,
        server_header=False,  # no "server: uvicorn": nothing tells a caller what to attack
        log_level=settings.log_level.lower(),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pmf-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="Migrate the database (PMF_DATABASE_URL) to the latest revision")
    commands.add_parser("demo", help="Migrate and load the fictional Northdale District Council")
    serve = commands.add_parser("serve", help="Run the API with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--reload", action="store_true")
    serve.add_argument("--migrate", action="store_true", help="Migrate before serving")
    up = commands.add_parser("up", help="Migrate, load the demo council and serve: the quickest start")
    up.add_argument("--host")
    up.add_argument("--port", type=int)
    token = commands.add_parser("token", help="Print a bearer token (default: performance team of the demo council)")
    token.add_argument(
        "--role",
        action="append",
        choices=[r.value for r in Role],
        help="Role to grant (repeatable); default performance",
    )
    token.add_argument(
        "--scope",
        help="organisation (default), or directorate:CODE, service:CODE, portfolio:CODE; in the demo council a "
        "single --role without --scope speaks as the demo person holding it",
    )
    token.add_argument("--organisation", default="NORTHDALE", help="Organisation code (default NORTHDALE)")
    token.add_argument("--subject", help="Who the token speaks for (a person's email in the demo)")
    token.add_argument("--ttl-minutes", type=int)
    commands.add_parser(
        "notify",
        help="One notification round: collect today's reminder digests, send due e-mails and webhooks, exit "
        "(for cron or a Kubernetes CronJob; exits 2 on a configuration error)",
    )
    report = commands.add_parser(
        "report",
        help="Make a report here and now, with a progress bar, and write it to --output (recorded as a report job)",
    )
    report.add_argument("--period", required=True, help="e.g. '2025/26 Q2' (a quarter) or '2025/26 P7' (a month)")
    report.add_argument("--format", default="pdf", choices=REPORT_FORMATS)
    report.add_argument("--kind", default="quarterly_report", choices=REPORT_KINDS, help="Which report")
    report.add_argument("--directorate", help="A directorate's code: its clinic pack")
    report.add_argument("--output", type=Path, required=True, help="Where to write the file")
    report.add_argument("--organisation", default="NORTHDALE", help="The council's code (default NORTHDALE)")
    report.add_argument("--job", default=REPORT_JOB_KIND, help=argparse.SUPPRESS)  # the registered kind of job run
    worker = commands.add_parser(
        "worker",
        help="Run report jobs (PMF_JOB_BACKEND=pgqueuer: from the PostgreSQL queue) and the month-end and "
        "quarter-end snapshot schedule, until stopped",
    )
    worker.add_argument("--burst", action="store_true", help="Run the jobs queued now, then exit")
    remote_commands.add_commands(commands)
    spec = commands.add_parser("openapi", help="Write the OpenAPI spec")
    spec.add_argument("--output", type=Path, default=DEFAULT_SPEC_PATH)
    spec.add_argument("--check", action="store_true", help="Exit 1 if the committed spec differs from the code")
    return parser


def _write_openapi(args: argparse.Namespace) -> int:
    document = openapi_document()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != document:
            print(f"{args.output} is out of date: run `pmf-api openapi`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(document)
    print(f"Wrote {args.output}")
    return 0


def _check_token_request(args: argparse.Namespace) -> None:
    """Refuse, in one line, a token the service would refuse, or one without a database to read the
    council from: before the settings are read (in development they make the installation's secret
    beside the database) and before a connection would create an empty SQLite file."""
    probe = Settings(jwt_secret=secrets.token_urlsafe(48))  # the settings, without making a secret
    if args.ttl_minutes and args.ttl_minutes > probe.jwt_max_ttl_minutes:
        raise SystemExit(
            f"--ttl-minutes {args.ttl_minutes} exceeds PMF_JWT_MAX_TTL_MINUTES "
            f"({probe.jwt_max_ttl_minutes}): the service would refuse the token"
        )
    if not probe.is_sqlite:
        return
    database = make_url(probe.database_url).database
    if database and database != ":memory:" and not database.startswith("file:") and not Path(database).exists():
        raise SystemExit(
            f"No database at {Path(database).absolute()}: run this command in the folder where `pmf-api up` "
            "made pmf.db (or run `pmf-api up` here first), or set PMF_DATABASE_URL"
        )


async def _notify_round(settings: Settings) -> str:
    from pmf_api.assurance.notifications.runner import run_once

    engine = create_engine(settings)
    try:
        return str(await run_once(create_sessionmaker(engine), settings))
    finally:
        await engine.dispose()


def _notify() -> int:
    """One notification round; 2 when the settings are wrong (nothing is tried), 1 when the database fails."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        messages = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        print(f"pmf-api notify: configuration error: {messages}", file=sys.stderr)
        return 2
    try:
        print(f"Notification round: {asyncio.run(_notify_round(settings))}")
    except (DBAPIError, OSError, DatabaseUnavailable) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"pmf-api notify: cannot use the database: {reason}", file=sys.stderr)
        return 1
    return 0


def report_parameters(args: argparse.Namespace) -> dict[str, str]:
    """The job's parameters from `pmf-api report`'s arguments (what the "report" kind reads)."""
    parameters = {"period": args.period, "format": args.format, "report": args.kind, "directorate": args.directorate}
    return {key: value for key, value in parameters.items() if value is not None}


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from pmf_api.reporting.jobs.shell import ProgressBar, ShellError, run_in_shell

    bar = ProgressBar(sys.stderr)
    try:
        outcome = asyncio.run(run_in_shell(settings, args.organisation, args.job, report_parameters(args), bar))
    except ShellError as exc:
        bar.close()
        print(f"pmf-api report: {exc}", file=sys.stderr)
        return 1
    except (DBAPIError, OSError, DatabaseUnavailable) as exc:
        bar.close()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"pmf-api report: cannot use the database: {reason}", file=sys.stderr)
        return 1
    if outcome.state == "succeeded":
        bar(100, "done")
    bar.close()
    if outcome.state != "succeeded":
        print(f"pmf-api report: the job {outcome.state}: {outcome.error}", file=sys.stderr)
        return 1
    if outcome.content is None:
        print("pmf-api report: done (the job made no file)", file=sys.stderr)
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(outcome.content)
    print(f"Wrote {args.output} ({len(outcome.content)} bytes, {outcome.media_type})")
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from pmf_api.reporting.jobs.worker import run_worker

    async def until_stopped() -> int:
        """The worker, stopped by SIGTERM (a container's stop) as by Ctrl-C: a job it was running waits, queued, for
        the next worker."""
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers in asyncio
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await run_worker(settings, burst=args.burst)
        except asyncio.CancelledError:
            return -1

    try:
        ran = asyncio.run(until_stopped())
    except KeyboardInterrupt:
        ran = -1
    print("Worker stopped" + (f": {ran} job(s) run" if ran >= 0 else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "openapi":  # needs no settings (reading them may create the installation's secret)
        return _write_openapi(args)
    if args.command in remote_commands.COMMANDS:  # a client of a remote server: no settings, no database
        return remote_commands.run(args)
    if args.command == "token":
        _check_token_request(args)
    if args.command == "notify":
        return _notify()
    settings = get_settings()
    if getattr(args, "host", None):
        settings = settings.model_copy(update={"host": args.host})
    if getattr(args, "port", None):
        settings = settings.model_copy(update={"port": args.port})
    if args.command in ("serve", "up"):
        _refuse_exposure(settings)
    match args.command:
        case "migrate":
            upgrade(settings.database_url)
            print("Database migrated to the latest revision")
        case "demo":
            upgrade(settings.database_url)
            organisation = asyncio.run(_load_demo(settings))
            print(f"Demo council loaded: {organisation.name} ({organisation.code})")
        case "serve":
            if args.migrate:
                upgrade(settings.database_url)
            _serve(settings, reload=args.reload)
        case "up":
            upgrade(settings.database_url)
            organisation = asyncio.run(_load_demo(settings))
            print(f"Demo council ready: {organisation.name}. Database: {settings.database_url}")
            _serve(settings)
        case "report":
            return _report(settings, args)
        case "worker":
            return _worker(settings, args)
        case "token":
            try:
                print(asyncio.run(_mint(settings, args)))
            except (DBAPIError, OSError) as exc:  # not migrated (no tables), or the server is away
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                raise SystemExit(
                    f"Cannot read the council from {make_url(settings.database_url).render_as_string()}: {reason}. "
                    "Run `pmf-api up` (or `pmf-api demo`) first"
                ) from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
