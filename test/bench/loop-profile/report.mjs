// Share of the daemon's main-thread time by cause over the burst window (the rows cpu-per-turn.mjs
// wrote), and the 5 iterations that took the most CPU with their causes:
//   node report.mjs DAEMON.cpuprofile cpu-per-turn-PID.json
import { readFileSync } from 'node:fs';

const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { rows } = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const stack = (id) => {
  const s = [];
  while (id !== undefined) {
    s.push(byId.get(id));
    id = parent.get(id);
  }
  return s;
};
let t = p.startTime;
const ts = [];
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  ts.push(t);
}
const cat = (st, n) => {
  const who = st.map((x) => x.callFrame.functionName);
  const urls = st.map((x) => x.callFrame.url);
  const f = n.callFrame.functionName;
  if (f === '(idle)') return 'idle';
  if (f === '(garbage collector)') return 'GC';
  if (f === '(program)') return '(program: native, untracked)';
  if (who.includes('writeSubmits') || who.includes('insertTask')) return 'SQLite submit writes';
  if (who.includes('claimTasks') || who.includes('claimLoop')) return 'claim loop';
  if (urls.some((u) => /pino|thread-stream|sonic/.test(u))) return 'pino';
  if (urls.some((u) => /prom-client|metrics/.test(u))) return 'metrics';
  if (who.includes('validate')) return 'zod validation';
  if (who.includes('readJsonBody')) return 'body read + JSON.parse';
  if (who.includes('send') || who.some((w) => /writev|_writeGeneric|onwrite|afterWrite/.test(w)))
    return 'response write';
  if (who.includes('publish') || urls.some((u) => /ws\/lib|client-socket|send-buffer/.test(u)))
    return 'task.changed fan-out';
  if (who.includes('onconnection')) return 'accept';
  if (who.some((w) => /parserOn|onParserExecute|onStreamRead|parserOnIncoming/.test(w)))
    return 'HTTP parse (Node core)';
  if (urls.some((u) => /\/dist\/(daemon|shared)\//.test(u))) return 'daemon code, other';
  return 'Node core, other (timers, streams, promises)';
};
const a0 = rows[0][0],
  a1 = rows[rows.length - 1][1];
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
const total = new Map();
let busy = 0;
for (let k = 0; k < ts.length; k++) {
  if (ts[k] < a0 || ts[k] > a1) continue;
  const dt = (ts[k + 1] - ts[k]) / 1000;
  const n = byId.get(p.samples[k]);
  const c = cat(stack(p.samples[k]), n);
  add(total, c, dt);
  if (c !== 'idle') busy += dt;
}
console.log(
  `window ${((a1 - a0) / 1000).toFixed(0)} ms wall; main thread busy ${busy.toFixed(0)} ms (profile samples, includes time descheduled)`,
);
for (const [k, v] of [...total].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]))
  console.log(`${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
const worst = [...rows].sort((a, b) => b[2] - a[2]).slice(0, 5);
for (const [a, b, cpu, wall, reqs] of worst) {
  const m = new Map();
  for (let k = 0; k < ts.length; k++)
    if (ts[k] >= a && ts[k] < b) {
      const n = byId.get(p.samples[k]);
      add(m, cat(stack(p.samples[k]), n), (ts[k + 1] - ts[k]) / 1000);
    }
  const top = [...m]
    .filter(([k]) => k !== 'idle')
    .sort((x, y) => y[1] - x[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(', ');
  console.log(`block cpu ${cpu.toFixed(1)} ms (wall ${wall.toFixed(0)}, ${reqs} requests parsed): ${top}`);
}
