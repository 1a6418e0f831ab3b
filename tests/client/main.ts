// Runs client.ts against a live server (tests/test_typescript_client.py starts one on the demo council):
// pages the KPIs, reads the scorecard, creates a value (201), changes it with its ETag (200), and
// sends the first ETag again, now stale, to get a 412 problem. Prints what it saw as JSON.
import { allKpis, connect, readSubmission, saveValue, scorecard } from "./client.js";

declare const process: { env: Record<string, string | undefined>; exitCode?: number };

async function main(): Promise<void> {
  const client = connect(process.env.PMF_API_URL ?? "http://127.0.0.1:8000", process.env.PMF_TOKEN ?? "");
  const kpis = await allKpis(client, 10);
  const card = await scorecard(client);
  let target: { id: string; code: string } | undefined;
  for (const kpi of kpis) {
    // A monthly KPI entered as one value (not a numerator and a denominator) with nothing entered yet.
    const entered = kpi.frequency === "monthly" && kpi.aggregation !== "ratio";
    if (entered && (await readSubmission(client, kpi.id, card.period)) === null) {
      target = kpi;
      break;
    }
  }
  if (target === undefined) {
    throw new Error(`every monthly KPI entered as one value has one for ${card.period}`);
  }
  const first = await saveValue(client, target.id, card.period, 42);
  if ("problem" in first) {
    throw new Error(`${first.problem.type}: ${first.problem.detail}`);
  }
  const second = await saveValue(client, target.id, card.period, 43, first.etag);
  const stale = await saveValue(client, target.id, card.period, 44, first.etag);
  console.log(
    JSON.stringify({
      kpis: kpis.length,
      codes: new Set(kpis.map((kpi) => kpi.code)).size,
      period: card.period,
      scorecard: card.lines.length,
      kpi: target.code,
      created: first.created,
      changed: "saved" in second ? { created: second.created, value: second.saved.value } : second.problem.type,
      stale: "problem" in stale ? { type: stale.problem.type, status: stale.problem.status } : "saved",
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
