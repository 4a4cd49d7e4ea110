// Part of `npm run bench -- chaos`: every scenario of the library on a real three-node cluster
// (shortened as the tests run them: SHORT in test/helpers/chaos-cluster.ts), one drill after the
// other, with the verdict, time to detect and time to recover of each. Printed as one table on
// stderr; the rows go into the JSON line.
import {
  allAlive,
  type ChaosCluster,
  type Member,
  SHORT,
  startChaosCluster,
} from '../helpers/chaos-cluster.js';

/** One scenario's figures. */
export interface ScenarioRow {
  scenario: string;
  verdict: string;
  time_to_detect_ms: number | null;
  time_to_recover_ms: number | null;
  tasks_lost: number;
  tasks_completed_twice: number;
}

async function api<T>(m: Member, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${m.daemon.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function sets(name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of SHORT[name] ?? []) {
    const [path, text] = pair.split('=') as [string, string];
    out[path] = /^\d+$/.test(text) ? Number(text) : text;
  }
  return out;
}

async function runOne(cluster: ChaosCluster, name: string): Promise<ScenarioRow> {
  const c = cluster.members[0] as Member;
  const { run } = await api<{ run: { run_id: string } }>(c, 'POST', '/api/v1/chaos/runs', {
    scenario: name,
    set: sets(name),
  });
  for (;;) {
    const { report } = await api<{ report: Record<string, unknown> & { verdict: string } }>(
      c,
      'GET',
      `/api/v1/chaos/runs/${run.run_id}`,
    );
    if (report.verdict !== 'running') {
      const tasks = (report.tasks ?? {}) as { lost?: number; completed_twice?: number };
      return {
        scenario: name,
        verdict: report.verdict,
        time_to_detect_ms: (report.time_to_detect_ms as number | null) ?? null,
        time_to_recover_ms: (report.time_to_recover_ms as number | null) ?? null,
        tasks_lost: tasks.lost ?? 0,
        tasks_completed_twice: tasks.completed_twice ?? 0,
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs the library on a fresh cluster and prints the table on stderr. */
export async function scenarioTable(): Promise<ScenarioRow[]> {
  const cluster = await startChaosCluster();
  const rows: ScenarioRow[] = [];
  try {
    for (const name of Object.keys(SHORT)) {
      // A drill may end while a killed node is still restarting: start from a whole cluster.
      await allAlive(cluster.members);
      rows.push(await runOne(cluster, name));
    }
  } finally {
    await cluster.close();
  }
  const fmt = (v: number | null) => (v === null ? '-' : String(v));
  const lines = [
    'scenario                verdict   detect_ms  recover_ms  lost  twice',
    ...rows.map(
      (r) =>
        `${r.scenario.padEnd(24)}${r.verdict.padEnd(10)}${fmt(r.time_to_detect_ms).padStart(9)}  ${fmt(r.time_to_recover_ms).padStart(10)}  ${String(r.tasks_lost).padStart(4)}  ${String(r.tasks_completed_twice).padStart(5)}`,
    ),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  return rows;
}
