"""Every problem type the service sends: its status, its one title, what it means and what a client
should do. ``problems.py`` answers with these titles only; ``docs/problems.md`` lists them (its table
is made from this registry: ``python -m pmf_api.platform.http.problem_types docs/problems.md``), and
``GET /problems`` serves them."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    meaning: str
    action: str
    generic: bool = False  # the type of any problem with this status that nothing more specific names


PROBLEM_TYPES: dict[str, ProblemType] = {
    kind.slug: kind
    for kind in (
        ProblemType(
            "malformed-request",
            400,
            "The request cannot be read",
            "The body is not what the route reads (not JSON where JSON was sent, a form that cannot be "
            "parsed): nothing in it was looked at.",
            "Fix how the request is encoded; do not retry it unchanged.",
            generic=True,
        ),
        ProblemType(
            "unauthenticated",
            401,
            "Authentication required",
            "No credentials, or a token or API key that is expired, revoked or cannot be trusted.",
            "Get a new token (or use a current API key) and send the request again.",
            generic=True,
        ),
        ProblemType(
            "forbidden",
            403,
            "Not allowed",
            "The caller is known but their role or scope does not allow this, here.",
            "Ask someone whose role allows it; `detail` says what is needed.",
            generic=True,
        ),
        ProblemType(
            "four-eyes",
            403,
            "Someone else must check this",
            "A check (validating, publishing, approving) by the person whose work it checks: whoever "
            "entered or submitted a value does not validate or publish it, whoever proposed a target "
            "does not approve it.",
            "Ask a colleague with the role to make the check.",
        ),
        ProblemType(
            "not-found",
            404,
            "Not found",
            "No such record in the caller's organisation (a record of another organisation looks the "
            "same), or no such path.",
            "Check the id or path; a list shows what the caller may see.",
            generic=True,
        ),
        ProblemType(
            "method-not-allowed",
            405,
            "Method not allowed",
            "The path exists but does not take this method.",
            "Use one of the methods the `Allow` header lists.",
            generic=True,
        ),
        ProblemType(
            "request-timeout",
            408,
            "Request body too slow",
            "The request body did not arrive within the configured time (`PMF_BODY_TIMEOUT_SECONDS`); "
            "nothing was changed.",
            "Send it again; for a large file over a slow link, send fewer rows per request.",
            generic=True,
        ),
        ProblemType(
            "conflict",
            409,
            "Conflicts with the current state",
            "The change clashes with existing data: a duplicate code, a record in use, an "
            "Idempotency-Key already used for a different request.",
            "Read the current state, then change the request; `errors` points at the input at fault.",
            generic=True,
        ),
        ProblemType(
            "request-in-progress",
            409,
            "A request with this Idempotency-Key is in progress",
            "The first request sent with this Idempotency-Key is still being processed.",
            "Send the same request again after `Retry-After` seconds to get its answer.",
        ),
        ProblemType(
            "data-quality-template-unsigned",
            409,
            "The KPI's data quality template is not signed",
            "The organisation publishes a KPI's values for a financial year only once the KPI's data "
            "quality template for that year is signed off by its service manager (the setting "
            "`data_quality.require_signed_template_to_publish`); `detail` names the KPI and the year.",
            "Have the service manager sign the year's template off (`POST /data-quality-templates/{id}/sign-off`), "
            "then publish again.",
        ),
        ProblemType(
            "period-closed",
            409,
            "The period is closed",
            "The value's period lies within a closed period (`GET /period-closes`): its values are locked. "
            "Only the performance team changes them, a published value through a revision with a reason, "
            "and what is republished is listed in the restatement log (`GET /restatements`).",
            "Ask the performance team to revise the value (`POST /submissions/{id}/revisions` with a reason), "
            "or to reopen the period (`POST /period-closes/{id}/reopen`).",
        ),
        ProblemType(
            "transition-not-allowed",
            409,
            "Not possible from the current state",
            "The workflow step does not exist from the record's current state (a published value "
            "cannot be submitted again, say).",
            "Read the record's state; `detail` says which steps are possible.",
        ),
        ProblemType(
            "precondition-failed",
            412,
            "The record has changed since you read it",
            "The `If-Match` ETag names no current version of the record: someone else saved it first, "
            "or there is no record to match; nothing was changed.",
            "Read the record again (its new ETag), reapply your change and send it with that ETag.",
            generic=True,
        ),
        ProblemType(
            "payload-too-large",
            413,
            "Request body too large",
            "The body, or the rows, cells or unpacked bytes of a file, exceed what one request may hold; "
            "nothing was read or changed.",
            "Send less per request (split a file into several pushes).",
            generic=True,
        ),
        ProblemType(
            "invalid-input",
            422,
            "The request is not valid",
            "The request is well-formed but breaks a rule: a field, parameter or header is missing, of "
            "the wrong type or outside what the rules allow.",
            "Fix each input `errors` points at (see the pointer convention) and send it again.",
            generic=True,
        ),
        ProblemType(
            "bulk-rejected",
            422,
            "Nothing was written",
            "An atomic bulk push (`atomic=true`) with at least one rejected row: no row was written. The "
            "problem carries the whole report (`summary`, `rows`); `errors` points at each row at fault.",
            "Fix the rejected rows and push the batch again.",
        ),
        ProblemType(
            "too-many-requests",
            429,
            "Too many requests",
            "Too many requests from this address or credential, or too many refused credentials; nothing was done.",
            "Wait `Retry-After` seconds, then send it again.",
            generic=True,
        ),
        ProblemType(
            "internal-error",
            500,
            "Internal error",
            "Something went wrong on the service's side.",
            "Report it, quoting `request_id`.",
            generic=True,
        ),
        ProblemType(
            "database-unavailable",
            503,
            "Service temporarily unavailable",
            "The service could not reach its database, or lost it mid-request.",
            "Send it again after `Retry-After` seconds (with If-Match or an Idempotency-Key for a change, "
            "so it is never made twice).",
        ),
        ProblemType(
            "database-busy",
            503,
            "Service temporarily busy",
            "Other changes held the records this request needed; nothing was changed.",
            "Send it again after `Retry-After` seconds.",
        ),
    )
}

# The type of a problem whose status alone is known (Starlette's own 404s, 405s, ...).
GENERIC_TYPES: dict[int, ProblemType] = {kind.status: kind for kind in PROBLEM_TYPES.values() if kind.generic}


def problem_type(slug: str) -> ProblemType:
    return PROBLEM_TYPES[slug]


TABLE_START = "<!-- problem types: made from platform/http/problem_types.py -->"
TABLE_END = "<!-- end of problem types -->"


def markdown_table() -> str:
    """The registry as docs/problems.md shows it, between its markers."""
    lines = [
        TABLE_START,
        "| type | status | title | meaning | what to do |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| `{kind.slug}` | {kind.status} | {kind.title} | {kind.meaning} | {kind.action} |"
            for kind in sorted(PROBLEM_TYPES.values(), key=lambda kind: (kind.status, kind.slug))
        ),
        TABLE_END,
    ]
    return "\n".join(lines)


def with_table(page: str) -> str:
    """``page`` with its table of problem types replaced by the registry's."""
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.DOTALL)
    return pattern.sub(lambda _: markdown_table(), page)


if __name__ == "__main__":  # pragma: no cover - the docs page's table is rewritten by hand
    page = Path(sys.argv[1])
    page.write_text(with_table(page.read_text()))
