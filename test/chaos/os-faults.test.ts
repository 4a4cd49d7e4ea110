import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLKIO } from '../../chaos/faults/io-throttle.js';
import { type FaultSpecInput, faultSpecSchema } from '../../chaos/faults/spec.js';
import { FaultHost } from '../../chaos/host/fault-host.js';
import { pidTargets } from '../helpers/chaos.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// The faults that need root and the kernel (this machine: root, sch_tbf, cgroup v1 blkio; see
// ../shared/reference/MACHINE.md): real tc in a network namespace made here, a real blkio cgroup.
const run = promisify(execFile);
const spec = (input: FaultSpecInput) => faultSpecSchema.parse(input);
const hosts: FaultHost[] = [];
let dir: string;

function host(dataDir = dir): FaultHost {
  const h = new FaultHost({
    dataDir,
    context: { nodeId: 'test', dataDir, processes: pidTargets, proxies: new Map() },
  });
  hosts.push(h);
  return h;
}

async function refusal(h: FaultHost, input: FaultSpecInput): Promise<string | undefined> {
  try {
    await h.inject(spec(input), { durationMs: 10_000 });
  } catch (error) {
    return (error as { field?: string }).field;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-os-'));
});

afterEach(async () => {
  while (hosts.length) await hosts.pop()?.close();
});

afterAll(async () => {
  await cleanupDaemons();
  await rm(dir, { recursive: true, force: true });
});

describe('netns-bandwidth (tc tbf in a network namespace)', () => {
  const ns = `aidos-t-${randomBytes(3).toString('hex')}`;
  const LIMIT = 512 * 1024;
  // A server and a client on the namespace's loopback: bytes per second through it, measured inside.
  const measure = `const net = require('node:net');
    const size = 1024 * 1024;
    const server = net.createServer((s) => { let n = 0; s.on('data', (d) => { n += d.length; });
      s.on('end', () => { console.log(JSON.stringify({ n, bps: n / ((Date.now() - t0) / 1000) })); server.close(); }); });
    let t0;
    server.listen(0, '127.0.0.1', () => { t0 = Date.now();
      const c = net.connect(server.address().port, '127.0.0.1', () => c.end(Buffer.alloc(size))); });`;
  const throughput = async () => {
    const r = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', measure], { timeout: 60_000 });
    const out = JSON.parse(r.stdout) as { n: number; bps: number };
    expect(out.n).toBe(1024 * 1024);
    return out.bps;
  };
  const qdisc = () => execFileSync('tc', ['-n', ns, 'qdisc', 'show', 'dev', 'lo']).toString();

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('holds the namespace to the rate, and the revert removes the tbf (checked with tc)', async () => {
    const h = host();
    const fault = await h.inject(spec({ kind: 'netns-bandwidth', netns: ns, rate_kbps: 512 }), {
      durationMs: 60_000,
    });
    expect(qdisc()).toMatch(/qdisc tbf a1d0: root .*rate 4194Kbit/);
    const limited = await throughput();
    // The bucket lets one 64 KiB loopback packet through at once, so 1 MiB lands a little above the rate.
    expect(limited).toBeLessThan(LIMIT * 1.3);
    const record = await h.revert(fault.id, 'requested');
    expect(record?.left).toEqual([]);
    expect(qdisc()).not.toMatch(/tbf/);
    expect(await throughput()).toBeGreaterThan(LIMIT * 4);
  }, 60_000);

  it('a host that died with the tbf in force has it removed by the next one, from the journal', async () => {
    const sub = await mkdtemp(join(dir, 'tbf-'));
    await host(sub).inject(spec({ kind: 'netns-bandwidth', netns: ns, rate_kbps: 64 }), {
      durationMs: 60_000,
    });
    expect(qdisc()).toMatch(/tbf/);
    // A second host on the same data dir is what a restarted daemon runs first.
    const records = await new FaultHost({
      dataDir: sub,
      context: { nodeId: 'test', dataDir: sub, processes: pidTargets, proxies: new Map() },
    }).recover();
    expect(records.map((r) => r.errors)).toEqual([[]]);
    expect(qdisc()).not.toMatch(/tbf/);
  });

  it('refuses a namespace or device that does not exist, naming the field', async () => {
    const h = host();
    expect(await refusal(h, { kind: 'netns-bandwidth', netns: 'aidos-no-such-ns', rate_kbps: 64 })).toBe(
      'netns',
    );
    expect(await refusal(h, { kind: 'netns-bandwidth', netns: ns, device: 'eth9', rate_kbps: 64 })).toBe(
      'device',
    );
    expect(
      faultSpecSchema.safeParse({ kind: 'netns-bandwidth', netns: '../x', rate_kbps: 1 }).error?.issues[0]
        ?.path,
    ).toEqual(['netns']);
    expect(h.list()).toEqual([]);
  });
});

describe('io-throttle (cgroup v1 blkio)', () => {
  const LIMIT = 1024 * 1024;
  let writer: ChildProcess;
  // A shell writing N × 256 KiB with O_DIRECT for each line it reads; dd reports bytes and seconds.
  const write = (blocks: number) =>
    new Promise<number>((resolve, reject) => {
      writer.stdout!.once('data', (d: Buffer) => {
        const m = /^(\d+) bytes .* copied, ([\d.]+) s/m.exec(d.toString());
        if (!m) reject(new Error(`dd said: ${d}`));
        else resolve(Number(m[1]) / Number(m[2]));
      });
      writer.stdin!.write(`${blocks}\n`);
    });
  const cgroupOf = (pid: number) =>
    readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.includes(':blkio:'));

  beforeAll(() => {
    const file = join(dir, 'dd.out');
    writer = spawn(
      'sh',
      [
        '-c',
        'while read n; do dd if=/dev/zero of="$1" bs=256k count="$n" oflag=direct 2>&1 | tail -n 1; done',
        'sh',
        file,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
  });
  afterAll(() => {
    writer.kill('SIGKILL');
  });

  it("holds the target to write_bps on the data dir's disk; the revert moves it back and removes the cgroup", async () => {
    const pid = writer.pid!;
    const before = cgroupOf(pid);
    const h = host();
    const fault = await h.inject(
      spec({ kind: 'io-throttle', target: { pid }, write_bps: LIMIT, path: dir }),
      { durationMs: 60_000 },
    );
    expect(cgroupOf(pid)).toMatch(/:blkio:\/aidos-chaos-[0-9a-f]+$/);
    expect(await write(8)).toBeLessThan(LIMIT * 1.5);
    const record = await h.revert(fault.id, 'requested');
    expect(record?.left).toEqual([]);
    expect(cgroupOf(pid)).toBe(before);
    expect(readdirSync(BLKIO).filter((f) => f.startsWith('aidos-chaos-'))).toEqual([]);
    expect(await write(8)).toBeGreaterThan(LIMIT * 4);
  }, 60_000);

  it('refuses without a limit, on a filesystem without a block device, or with no process, naming the field', async () => {
    const h = host();
    const pid = writer.pid!;
    expect(await refusal(h, { kind: 'io-throttle', target: { pid }, path: dir })).toBe('write_bps');
    expect(await refusal(h, { kind: 'io-throttle', target: { pid }, write_bps: 1, path: '/dev/shm' })).toBe(
      'path',
    );
    expect(
      await refusal(h, { kind: 'io-throttle', target: { agents: 'all' }, write_bps: 1, path: dir }),
    ).toBe('target');
    expect(h.list()).toEqual([]);
    expect(readdirSync(BLKIO).filter((f) => f.startsWith('aidos-chaos-'))).toEqual([]);
  });
});

describe('through the daemon', () => {
  const chaosCgroups = () => readdirSync(BLKIO).filter((f) => f.startsWith('aidos-chaos-'));
  const blkioOf = (pid: number) =>
    readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.includes(':blkio:'));

  it('io-throttle puts the daemon itself under the limit until abort; one killed with it in force cleans up on restart', async () => {
    const sub = await mkdtemp(join(dir, 'daemon-'));
    const args = ['--config', writeStandinConfig(sub), '--set', 'chaos.enabled=true'];
    const daemon = await startDaemon({ args });
    const pid = daemon.child.pid!;
    const before = blkioOf(pid);
    const inject = () =>
      runAidos([
        'chaos',
        'inject',
        'io-throttle',
        'write_bps=1048576',
        '--duration',
        '5m',
        '--url',
        daemon.url,
      ]);
    const first = await inject();
    expect(first.code, first.stderr).toBe(0);
    expect(blkioOf(pid)).toMatch(/:blkio:\/aidos-chaos-/);
    const abort = await runAidos(['chaos', 'abort', '--url', daemon.url]);
    expect(abort.code, abort.stderr).toBe(0);
    expect(blkioOf(pid)).toBe(before);
    expect(chaosCgroups()).toEqual([]);

    expect((await inject()).code).toBe(0);
    expect(chaosCgroups()).toHaveLength(1);
    await daemon.kill9();
    await startDaemon({ args, dataDir: daemon.dataDir, port: daemon.port });
    await waitFor(
      () => chaosCgroups().length === 0,
      10_000,
      'the restarted daemon to remove the journaled cgroup',
    );
    const unknown = await runAidos([
      'chaos',
      'inject',
      'netns-bandwidth',
      'netns=aidos-no-such-ns',
      'rate_kbps=64',
      '--duration',
      '5s',
      '--url',
      daemon.url,
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/netns.*no network namespace aidos-no-such-ns/);
  }, 60_000);
});
