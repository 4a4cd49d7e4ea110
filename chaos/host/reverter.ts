import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readStat } from '../../daemon/agents/proc.js';
import { ChaosError, message } from '../errors.js';

// A paused daemon cannot resume itself, so its SIGCONT comes from this small detached process:
// it SIGSTOPs the daemon shortly after starting (so the inject reply is on the wire first), then
// SIGCONTs it at the deadline, when the controller stops sending heartbeats (dead man's switch),
// on POST /resume (abort), or when it is itself asked to end (SIGTERM/SIGINT/SIGHUP). It checks
// the pid's start time before each signal, so a reused pid is never touched. Plain CommonJS: it
// runs as `node -e` with nothing of ours loaded.
const SCRIPT = `
const http = require('node:http'), fs = require('node:fs');
const cfg = JSON.parse(process.argv[1]);
let beat = Date.now();
const startTime = () => { try { const t = fs.readFileSync('/proc/' + cfg.pid + '/stat', 'utf8');
  return Number(t.slice(t.lastIndexOf(')') + 2).split(' ')[19]); } catch { return -1; } };
const same = () => startTime() === cfg.start_time;
const done = () => { if (same()) { try { process.kill(cfg.pid, 'SIGCONT'); } catch {} } process.exit(0); };
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, done);
const server = http.createServer((req, res) => {
  if (req.headers.authorization !== 'Bearer ' + cfg.token) { res.writeHead(401); res.end(); return; }
  if (req.url === '/heartbeat') { beat = Date.now(); res.writeHead(204); res.end(); return; }
  if (req.url === '/resume') { res.writeHead(204); res.end(done); return; }
  res.writeHead(404); res.end();
});
server.listen(0, cfg.host, () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n');
  setTimeout(() => { if (!same()) process.exit(0); beat = Date.now(); process.kill(cfg.pid, 'SIGSTOP'); }, cfg.stop_after_ms);
  setTimeout(done, Math.max(0, cfg.deadline_at - Date.now()));
  if (cfg.lease_ms > 0) setInterval(() => { if (Date.now() - beat > cfg.lease_ms) done(); }, 100);
});`;

/** How to reach a reverter: what a controller needs to keep a pause alive or end it early. */
export interface ResumeHandle {
  /** Base URL (`http://host:port`) of the reverter. */
  url: string;
  /** Bearer token it accepts (random per pause). */
  token: string;
}

/** A started reverter. */
export interface Reverter extends ResumeHandle {
  /** Its pid. */
  pid: number;
  /** Its /proc start time. */
  startTime: number;
}

/** What the reverter acts on and when. */
export interface ReverterOptions {
  /** Pid to stop and resume (the daemon). */
  pid: number;
  /** Host the reverter listens on (the daemon's listen host, so controllers reach it where they reach the daemon). */
  host: string;
  /** Resume at this epoch ms whatever happens. */
  deadlineAt: number;
  /** Resume when no heartbeat came for this long (0: only the deadline). */
  leaseMs: number;
  /** Stop the process this long after the reverter listens. */
  stopAfterMs: number;
}

/** Starts a detached reverter (own session, survives the daemon) and waits until it listens. */
export async function startReverter(options: ReverterOptions): Promise<Reverter> {
  const stat = readStat(options.pid);
  if (!stat) throw new ChaosError('inject', `process-pause: pid ${options.pid} is gone`);
  const token = randomBytes(16).toString('hex');
  const cfg = {
    pid: options.pid,
    start_time: stat.startTime,
    host: options.host,
    token,
    deadline_at: options.deadlineAt,
    lease_ms: options.leaseMs,
    stop_after_ms: options.stopAfterMs,
  };
  const child = spawn(process.execPath, ['-e', SCRIPT, JSON.stringify(cfg)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: {},
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not listening within 10 s')), 10_000);
      let text = '';
      child.stdout?.on('data', (d: Buffer) => {
        text += d.toString();
        const line = text.split('\n')[0];
        if (text.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited early (${signal ?? code})`));
      });
    });
    child.stdout?.destroy();
    child.unref();
    const pid = child.pid as number;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return { pid, startTime: readStat(pid)?.startTime ?? 0, url: `http://${host}:${port}`, token };
  } catch (cause) {
    child.kill('SIGKILL');
    throw new ChaosError('inject', `process-pause: reverter failed: ${message(cause)}`, { cause });
  }
}

/** Asks a reverter to resume now (abort) or records a heartbeat; false when it is gone (already resumed). */
export async function callReverter(
  handle: ResumeHandle,
  what: 'resume' | 'heartbeat',
  timeoutMs = 800,
): Promise<boolean> {
  try {
    const res = await fetch(`${handle.url}/${what}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${handle.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok;
  } catch {
    return false;
  }
}
