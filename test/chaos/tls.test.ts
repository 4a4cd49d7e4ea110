import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosStatus } from '../../shared/api/chaos.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { httpsJson, selfSignedCert, type TestCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';

// Chaos across a two-node cluster serving TLS (tls.cert_file) with a self-signed certificate that
// is its own CA, trusted through cluster.ca_file only (not by the system): a drill samples its own
// node over https and places faults on the peer with signed https calls; an abort reaches the peer.
const KEY = 'tls-chaos-cluster-key-0123456789abcdef';
let db: TestDatabase;
let dir: string;
let tls: TestCert;
let a: DaemonProcess;
let b: DaemonProcess;

const https = (d: DaemonProcess, path: string, method = 'GET', body?: unknown) =>
  httpsJson(`https://127.0.0.1:${d.port}${path}`, tls.pem, method, body);

function member(seed?: DaemonProcess) {
  return startDaemon({
    waitReady: false,
    args: [
      '--db',
      db.url,
      '--config',
      writeStandinConfig(dir),
      '--set',
      `tls.cert_file=${tls.cert}`,
      '--set',
      `tls.key_file=${tls.key}`,
      '--set',
      `cluster.ca_file=${tls.cert}`,
      '--set',
      'chaos.enabled=true',
      ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : []),
    ],
    env: { AIDOS_CLUSTER_KEY: KEY, AIDOS_LOG_LEVEL: 'warn' },
  });
}

/** The CLI over https, trusting the test CA the way docs/cluster.md says (NODE_EXTRA_CA_CERTS). */
const aidos = (args: string[], d: DaemonProcess, timeoutMs?: number) =>
  runAidos([...args, '--url', `https://127.0.0.1:${d.port}`], { NODE_EXTRA_CA_CERTS: tls.cert }, timeoutMs);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-tls-'));
  tls = selfSignedCert(dir);
  db = await createTestDatabase('aidos_chaos_tls');
  a = await member();
  b = await member(a);
  for (const d of [a, b])
    await waitFor(
      async () => {
        const { nodes } = (await https(d, '/api/v1/nodes')) as { nodes: ClusterNode[] };
        return nodes.filter((n) => n.state === 'alive').length === 2;
      },
      40_000,
      `both alive on n${d.port} over wss`,
    );
}, 90_000);

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('chaos on a TLS cluster with a private CA', { timeout: 120_000 }, () => {
  it('a drill faults both nodes over signed https calls and passes, nothing left', async () => {
    const r = await aidos(
      [
        'chaos',
        'run',
        'peer-loss',
        '--wait',
        '--json',
        '--set',
        'steps.0.duration=3s',
        '--set',
        'load.tasks=2',
      ],
      a,
      100_000,
    );
    const report = JSON.parse(r.stdout);
    expect(r.code, JSON.stringify(report.errors ?? report)).toBe(0);
    expect(report).toMatchObject({ verdict: 'passed', left_injected: [], errors: [] });
    expect(new Set(report.scope.nodes)).toEqual(new Set([`n${a.port}`, `n${b.port}`]));
    // The peer hosted its part: its rule was injected by the controller and reverted.
    expect(report.faults.map((f: { node: string }) => f.node).sort()).toEqual(
      [`n${a.port}`, `n${b.port}`].sort(),
    );
    for (const d of [a, b])
      expect(((await https(d, '/api/v1/chaos/status')) as ChaosStatus).active_faults).toEqual([]);
  });

  it('an abort asked of one node reverts a fault on the other, which answers over https', async () => {
    await https(b, '/api/v1/chaos/faults', 'POST', {
      fault: { kind: 'memory-pressure', mb: 16 },
      duration_ms: 120_000,
    });
    const r = await aidos(['chaos', 'abort', '--json'], a);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reverted: 1, unreachable: [] });
    expect(((await https(b, '/api/v1/chaos/status')) as ChaosStatus).active_faults).toEqual([]);
  });
});
