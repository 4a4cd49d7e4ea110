// Preloaded into the daemon (--import): a 1 ms timer; for each interval between two of its runs
// records wall and process CPU time (getrusage: the main thread dominates). CPU per interval is
// what a blocked loop iteration would take on an idle machine. SIGUSR2 toggles recording; the
// recorded window is written to $LOOP_PROFILE_DIR/cpu-per-turn-PID.json at the second SIGUSR2.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';

let reqs = 0;
const origEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (ev, ...a) {
  if (ev === 'request') reqs++;
  return origEmit.call(this, ev, ...a);
};
let rows = null;
let lastW = process.hrtime.bigint();
let lastC = process.cpuUsage();
let t0c = null,
  t0w = null;
process.on('SIGUSR2', () => {
  if (rows === null) {
    rows = [];
    t0c = process.cpuUsage();
    t0w = process.hrtime.bigint();
    return;
  }
  const c = process.cpuUsage(t0c);
  writeFileSync(
    `${process.env.LOOP_PROFILE_DIR ?? tmpdir()}/cpu-per-turn-${process.pid}.json`,
    JSON.stringify({
      cpu_ms: (c.user + c.system) / 1000,
      wall_ms: Number(process.hrtime.bigint() - t0w) / 1e6,
      rows,
    }),
  );
  rows = null;
});
setInterval(() => {
  const w = process.hrtime.bigint();
  const c = process.cpuUsage();
  const cpu = (c.user - lastC.user + c.system - lastC.system) / 1000;
  const wall = Number(w - lastW) / 1e6;
  if (rows) rows.push([Number(lastW / 1000n), Number(w / 1000n), +cpu.toFixed(3), +wall.toFixed(3), reqs]);
  reqs = 0;
  lastW = w;
  lastC = c;
}, 1).unref();
