import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../daemon/config/load.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { httpsJson, selfSignedCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';

// Two real daemons serving their one port over TLS with a certificate made here (openssl), peers
// dialling each other with wss:// and trusting it through cluster.ca_file.
const KEY = 'tls-cluster-key-0123456789abcdef0123';
let db: TestDatabase;
let dir: string;
let cert: string;
let key: string;
let ca: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-tls-'));
  ({ cert, key, pem: ca } = selfSignedCert(dir));
  db = await createTestDatabase('aidos_tls');
}, 60_000);

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const tlsArgs = () => ['--set', `tls.cert_file=${cert}`, '--set', `tls.key_file=${key}`];

const start = (seed?: DaemonProcess) =>
  startDaemon({
    waitReady: false,
    args: [
      '--db',
      db.url,
      ...tlsArgs(),
      '--set',
      `cluster.ca_file=${cert}`,
      ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : []),
    ],
    env: { AIDOS_CLUSTER_KEY: KEY, AIDOS_LOG_LEVEL: 'warn' },
  });

async function alive(d: DaemonProcess): Promise<string[]> {
  const { nodes } = (await httpsJson(`https://127.0.0.1:${d.port}/api/v1/nodes`, ca)) as {
    nodes: ClusterNode[];
  };
  return nodes.filter((n) => n.state === 'alive').map((n) => n.id);
}

describe('TLS on the daemon port and wss:// between peers', { timeout: 90_000 }, () => {
  it('two daemons serving a certificate join each other over wss:// and answer only HTTPS', async () => {
    const a = await start();
    const b = await start(a);
    for (const d of [a, b])
      await waitFor(async () => (await alive(d)).length === 2, 30_000, `both alive on n${d.port} over wss`);
    // The port speaks TLS only: a plain HTTP request gets no answer.
    await expect(fetch(`http://127.0.0.1:${a.port}/health`)).rejects.toThrow();
  });

  it('a certificate without its key, an unreadable file, and a key of another certificate are config errors naming the key', async () => {
    expect(() => loadConfig({ env: {}, flags: { 'tls.cert_file': cert } })).toThrow(
      /tls\.cert_file: tls\.cert_file and tls\.key_file are set together/,
    );
    expect(() =>
      loadConfig({ env: {}, flags: { 'tls.cert_file': join(dir, 'missing.pem'), 'tls.key_file': key } }),
    ).toThrow(/tls\.cert_file: cannot read/);
    const otherKey = join(dir, 'other-key.pem');
    await writeFile(
      otherKey,
      execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1']),
    );
    expect(() => loadConfig({ env: {}, flags: { 'tls.cert_file': cert, 'tls.key_file': otherKey } })).toThrow(
      /invalid config: tls\.cert_file: .*key values mismatch/,
    );
  });
});
