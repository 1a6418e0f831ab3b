// A portal developer's first program against PMF API, written against types generated from the
// committed spec (`openapi-typescript ../../openapi/openapi.json -o api.d.ts`). tests/test_typescript_client.py
// type-checks it with `tsc --strict`: if the spec stops typing a body or a problem, this stops compiling.
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Kpi = components["schemas"]["Kpi"];
type Problem = components["schemas"]["Problem"];
type Submission = components["schemas"]["Submission"];

export function connect(baseUrl: string, token: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

type Client = ReturnType<typeof connect>;

/** A problem, narrowed: its type, and where the first bad field is. */
export function describe(problem: Problem): string {
  const first = problem.errors.length > 0 ? ` at ${problem.errors[0].pointer}: ${problem.errors[0].detail}` : "";
  return `${problem.status} ${problem.type}: ${problem.detail}${first}`;
}

/** Every KPI, page by page (`limit` and `next_cursor`). */
export async function allKpis(client: Client, limit = 20): Promise<Kpi[]> {
  const kpis: Kpi[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await client.GET("/api/v1/kpis", { params: { query: { limit, cursor } } });
    if (error) {
      throw new Error(describe(error));
    }
    kpis.push(...data.items);
    cursor = data.next_cursor ?? undefined;
  } while (cursor);
  return kpis;
}

/** The monthly dashboard (the latest month that has ended unless `period` says): its period and a line per KPI. */
export async function scorecard(client: Client, period?: string): Promise<{ period: string; lines: string[] }> {
  const { data, error } = await client.GET("/api/v1/scorecard", { params: { query: { period } } });
  if (error) {
    throw new Error(describe(error));
  }
  return { period: data.period, lines: data.items.map((item) => `${item.rag ?? "-"} ${String(item.value ?? "")}`) };
}

/** A KPI's submission for a period and its ETag, or null when nothing has been entered yet. */
export async function readSubmission(
  client: Client,
  kpiId: string,
  period: string,
): Promise<{ submission: Submission; etag: string } | null> {
  const { data, error, response } = await client.GET("/api/v1/kpis/{kpi_id}/submissions/{period}", {
    params: { path: { kpi_id: kpiId, period } },
  });
  if (error) {
    if (error.status === 404) {
      return null;
    }
    throw new Error(describe(error));
  }
  return { submission: data, etag: response.headers.get("ETag") ?? "" };
}

export type Saved = { saved: Submission; created: boolean; etag: string } | { problem: Problem };

/** Enter a value with the ETag you read (`If-Match`): someone else's save in between gets 412, nothing changed. */
export async function saveValue(
  client: Client,
  kpiId: string,
  period: string,
  value: number,
  etag?: string,
): Promise<Saved> {
  const { data, error, response } = await client.PUT("/api/v1/kpis/{kpi_id}/submissions/{period}", {
    params: { path: { kpi_id: kpiId, period }, header: { "if-match": etag } },
    body: { value, commentary: "Entered by the portal" },
  });
  if (error) {
    // Narrowed to a Problem: its type says what went wrong, its pointers say where.
    const where: string = error.errors.length > 0 ? error.errors[0].pointer : "#";
    if (error.type.endsWith("/precondition-failed")) {
      console.warn(`someone saved ${period} first; read it again (${where})`);
    }
    return { problem: error };
  }
  return { saved: data, created: response.status === 201, etag: response.headers.get("ETag") ?? "" };
}
