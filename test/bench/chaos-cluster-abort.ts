// Part of `npm run bench -- chaos`: `chaos.abort` asked of one node of a real three-node cluster
// while every node hosts faults (a network delay and a CPU stress helper each): time until every
// node's status shows no fault in force (the abort's reply included).
import { performance } from 'node:perf_hooks';
import { activeFaults, type Member, startChaosCluster } from '../helpers/chaos-cluster.js';

async function post(m: Member, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${m.daemon.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} on ${m.id}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Times cluster-wide aborts; returns the raw times in ms and how many faults each round held. */
export async function clusterAbortRounds(rounds: number): Promise<{ times: number[]; faults: number }> {
  const cluster = await startChaosCluster();
  const faults = [
    { kind: 'network', delay_ms: 1 },
    { kind: 'cpu-stress', workers: 1, share: 0.05 },
  ];
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      for (const m of cluster.members)
        for (const fault of faults) await post(m, '/api/v1/chaos/faults', { fault, duration_ms: 600_000 });
      const asked = cluster.members[i % cluster.members.length] as Member;
      const started = performance.now();
      await post(asked, '/api/v1/chaos/abort', {});
      for (;;) {
        const left = await Promise.all(cluster.members.map((m) => activeFaults(m)));
        if (left.every((l) => l?.length === 0)) break;
      }
      times.push(performance.now() - started);
    }
  } finally {
    await cluster.close();
  }
  return { times, faults: faults.length * cluster.members.length };
}
