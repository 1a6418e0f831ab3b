"""Push a month's values and pull a feed, with httpx alone: what `pmf-api push` and `pmf-api pull` do.

    PMF_URL=https://pmf.example.gov.uk PMF_API_KEY=pmf_... python push_and_pull.py values.csv risks.csv

values.csv has a header row (kpi_code,period,value; numerator,denominator for a ratio KPI). The
script pushes it to the bulk push, prints each row's outcome, then writes the `risks` feed, every
page, to risks.csv. It exits 0 when every row was accepted, 1 when rows were refused, 2 on failure.
The key needs the performance role (or service_manager over the KPIs) to push; to pull only, use a
viewer key.
"""

from __future__ import annotations

import csv
import io
import os
import sys

import httpx

MEDIA_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def push(client: httpx.Client, path: str) -> int:
    """Sends the file; prints each row's outcome; 0 all accepted, 1 rows refused."""
    suffix = os.path.splitext(path)[1].lower()
    with open(path, "rb") as file:
        content = file.read()
    response = client.post(
        "/api/v1/submissions/bulk",
        content=content,
        headers={"Content-Type": MEDIA_TYPES[suffix]},
        params={"atomic": "false"},  # "true": all rows or none (422 when any is rejected)
    )
    if response.status_code not in (200, 422):  # 401 bad key, 403 role, 413 too large, ...
        problem = response.json()
        print(f"push failed: {response.status_code} {problem.get('detail') or problem.get('title')}", file=sys.stderr)
        sys.exit(2)
    report = response.json()  # on 422 (atomic) the problem carries the same rows and summary
    for row in report["rows"]:
        errors = "; ".join(error["detail"] for error in row["errors"])
        print(f"row {row['row']}: {row['kpi_code']} {row['period']} {row['outcome']} {errors}".rstrip())
    print(report["summary"])
    return 1 if report["summary"]["rejected"] else 0


def pull(client: httpx.Client, feed: str, output: str, **filters: str) -> int:
    """Follows the feed's pages (Link: rel="next") into one CSV with one header; returns the rows."""
    url: str | None = f"/api/v1/feeds/{feed}"
    params: dict[str, str] | None = {"format": "csv", **filters}  # range_start, range_end, updated_since
    rows, header = 0, None
    with open(output, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        while url:
            response = client.get(url, params=params)
            response.raise_for_status()
            page = list(csv.reader(io.StringIO(response.text, newline="")))
            if page and header is None:
                header = page[0]
                writer.writerow(header)
            writer.writerows(page[1:])
            rows += max(len(page) - 1, 0)
            link = response.links.get("next")
            url = str(response.url.join(link["url"])) if link else None
            params = None  # the next link carries the filters and the cursor
    return rows


def main() -> int:
    values, output = sys.argv[1], sys.argv[2]
    with httpx.Client(
        base_url=os.environ["PMF_URL"], headers={"X-API-Key": os.environ["PMF_API_KEY"]}, timeout=300
    ) as client:
        try:
            outcome = push(client, values)
            print(f"{pull(client, 'risks', output)} rows written to {output}")
        except httpx.HTTPError as exc:
            print(f"failed: {exc}", file=sys.stderr)
            return 2
    return outcome


if __name__ == "__main__":
    sys.exit(main())
