import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromFlags } from '../../daemon/cli/config-flags.js';
import { loadConfig } from '../../daemon/config/load.js';
import { AidosError } from '../../daemon/errors.js';
import { runAidos } from '../helpers/cli.js';
import { freePort } from '../helpers/postgres-server.js';

let dir: string;
const KEY = 'k'.repeat(40);
const TOKEN = 't'.repeat(24);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-cfg-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function yamlFile(text: string): Promise<string> {
  const file = join(dir, `config-${++n}.yaml`);
  await writeFile(file, text);
  return file;
}

/** A clean environment: no AIDOS_* from the test runner, a known XDG state dir. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: dir, XDG_STATE_HOME: join(dir, 'state'), ...extra };
}

function configError(fn: () => unknown): AidosError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AidosError);
    expect((error as AidosError).kind).toBe('config');
    expect((error as AidosError).message).not.toContain('\n');
    return error as AidosError;
  }
  throw new Error('expected a config error');
}

describe('config', () => {
  it('has defaults that work with no file at all', () => {
    const cfg = loadConfig({ env: env() });
    expect(cfg.listen).toEqual({ host: '127.0.0.1', port: 7420 });
    expect(cfg.data_dir).toBe(join(dir, 'state', 'aidos'));
    expect(cfg.store.url).toBe(`sqlite:${join(dir, 'state', 'aidos', 'aidos.db')}`);
    expect(cfg.store).toMatchObject({ migrate_on_start: true, pool_max: 10, busy_timeout: 5_000 });
    expect(cfg.tasks).toMatchObject({ lease: 30_000, renew_every: 10_000, default_max_attempts: 3 });
    expect(cfg.roles).toEqual(['api', 'worker']);
    expect(cfg.chaos.enabled).toBe(false);
    expect(cfg.node_id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    expect(cfg.source).toEqual({});
    // systemd's StateDirectory wins over XDG.
    expect(loadConfig({ env: env({ STATE_DIRECTORY: '/var/lib/aidos' }) }).data_dir).toBe('/var/lib/aidos');
  });

  it('reads a YAML file', async () => {
    const file = await yamlFile(
      [
        'node_id: alpha-1',
        'listen: 127.0.0.1:9000',
        `data_dir: ${join(dir, 'data')}`,
        'store:',
        '  url: postgres://u:p@db.example:5432/aidos',
        '  pool_max: 20',
        'tasks:',
        '  lease: 2m',
        '  renew_every: 20s',
        'agents:',
        '  profiles:',
        '    fast:',
        '      command: openclaw',
        '      args: [agent, exec]',
        '      timeout: 90s',
      ].join('\n'),
    );
    const cfg = loadConfig({ file, env: env() });
    expect(cfg.node_id).toBe('alpha-1');
    expect(cfg.listen).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(cfg.data_dir).toBe(join(dir, 'data'));
    expect(cfg.store.url).toBe('postgres://u:p@db.example:5432/aidos');
    expect(cfg.store.pool_max).toBe(20);
    expect(cfg.tasks.lease).toBe(120_000);
    expect(cfg.agents.profiles.fast).toMatchObject({
      command: 'openclaw',
      args: ['agent', 'exec'],
      timeout: 90_000,
    });
    expect(cfg.source).toEqual({ file });
    // AIDOS_CONFIG names the file too.
    expect(loadConfig({ env: env({ AIDOS_CONFIG: file }) }).node_id).toBe('alpha-1');
    // An empty file is the defaults.
    expect(loadConfig({ file: await yamlFile(''), env: env() }).listen.port).toBe(7420);
  });

  it('takes AIDOS_* environment overrides, typed by key', () => {
    const cfg = loadConfig({
      env: env({
        AIDOS_STORE_POOL_MAX: '3',
        AIDOS_LISTEN: '127.0.0.1:7555',
        AIDOS_TASKS_LEASE: '1m',
        AIDOS_LOG_LEVEL: 'debug',
        AIDOS_NODE_ID: '1234',
        AIDOS_STORE_MIGRATE_ON_START: 'false',
        AIDOS_ROLES: 'worker',
        AIDOS_API_TOKENS: `${TOKEN},${TOKEN}x`,
        AIDOS_TEST_PG_URL: 'ignored',
        AIDOS_URL: 'http://ignored',
      }),
    });
    expect(cfg.store.pool_max).toBe(3);
    expect(cfg.listen).toEqual({ host: '127.0.0.1', port: 7555 });
    expect(cfg.tasks.lease).toBe(60_000);
    expect(cfg.log.level).toBe('debug');
    expect(cfg.node_id).toBe('1234');
    expect(cfg.store.migrate_on_start).toBe(false);
    expect(cfg.roles).toEqual(['worker']);
    expect(cfg.api.tokens).toEqual([TOKEN, `${TOKEN}x`]);
  });

  it('takes --set and named flags', () => {
    const cfg = configFromFlags(
      {
        set: ['tasks.lease=45s', 'store.pool_max=7', 'agents.profiles.x.command=/bin/agent'],
        dataDir: join(dir, 'flags'),
        listen: '127.0.0.1:7600',
        nodeId: 'from-flag',
      },
      env(),
    );
    expect(cfg.tasks.lease).toBe(45_000);
    expect(cfg.store.pool_max).toBe(7);
    expect(cfg.agents.profiles.x?.command).toBe('/bin/agent');
    expect(cfg.data_dir).toBe(join(dir, 'flags'));
    expect(cfg.store.url).toBe(`sqlite:${join(dir, 'flags', 'aidos.db')}`);
    expect(cfg.listen.port).toBe(7600);
    expect(cfg.node_id).toBe('from-flag');
    expect(configFromFlags({ db: 'postgres://h/db' }, env()).store.url).toBe('postgres://h/db');
  });

  it('applies precedence file < env < flags', async () => {
    const file = await yamlFile('store:\n  pool_max: 2\ntasks:\n  lease: 10m\nlisten: 127.0.0.1:7001\n');
    const fileOnly = loadConfig({ file, env: env() });
    expect([fileOnly.store.pool_max, fileOnly.tasks.lease, fileOnly.listen.port]).toEqual([2, 600_000, 7001]);
    const withEnv = configFromFlags(
      { config: file },
      env({ AIDOS_STORE_POOL_MAX: '4', AIDOS_LISTEN: '127.0.0.1:7002' }),
    );
    expect([withEnv.store.pool_max, withEnv.tasks.lease, withEnv.listen.port]).toEqual([4, 600_000, 7002]);
    const withFlags = configFromFlags(
      { config: file, set: ['store.pool_max=6'], listen: '127.0.0.1:7003' },
      env({ AIDOS_STORE_POOL_MAX: '4', AIDOS_LISTEN: '127.0.0.1:7002' }),
    );
    expect([withFlags.store.pool_max, withFlags.tasks.lease, withFlags.listen.port]).toEqual([
      6, 600_000, 7003,
    ]);
  });

  it('reads secrets from *_file keys', async () => {
    const keyFile = join(dir, 'cluster.key');
    const tokenFile = join(dir, 'tokens');
    await writeFile(keyFile, `${KEY}\n`);
    await writeFile(tokenFile, `${TOKEN}\n${TOKEN}2\n`);
    const cfg = loadConfig({
      file: await yamlFile(
        `listen: 0.0.0.0:7420\ncluster:\n  key_file: ${keyFile}\napi:\n  token_file: ${tokenFile}\n`,
      ),
      env: env(),
    });
    expect(cfg.cluster.key).toBe(KEY);
    expect(cfg.api.tokens).toEqual([TOKEN, `${TOKEN}2`]);
    const missing = configError(() =>
      loadConfig({ env: env({ AIDOS_CLUSTER_KEY_FILE: join(dir, 'nope') }) }),
    );
    expect(missing.message).toContain('cluster.key_file');
    await writeFile(join(dir, 'short.key'), 'short\n');
    const short = configError(() =>
      loadConfig({ env: env({ AIDOS_CLUSTER_KEY_FILE: join(dir, 'short.key') }) }),
    );
    expect(short.message).toContain('cluster.key_file');
  });

  describe('rejects bad config, naming the key', () => {
    const cases: [string, () => Promise<unknown> | unknown, string][] = [
      [
        'unknown key in the file',
        async () => loadConfig({ file: await yamlFile('store:\n  pol_max: 3\n'), env: env() }),
        'store.pol_max',
      ],
      [
        'unknown top-level key',
        async () => loadConfig({ file: await yamlFile('colour: blue\n'), env: env() }),
        'colour',
      ],
      [
        'unknown env key',
        () => loadConfig({ env: env({ AIDOS_STORE_POOLMAX: '3' }) }),
        'AIDOS_STORE_POOLMAX',
      ],
      ['unknown --set key', () => configFromFlags({ set: ['tasks.leese=1m'] }, env()), 'tasks.leese'],
      [
        'wrong type',
        async () => loadConfig({ file: await yamlFile('store:\n  pool_max: many\n'), env: env() }),
        'store.pool_max',
      ],
      [
        'wrong type from env',
        () => loadConfig({ env: env({ AIDOS_STORE_POOL_MAX: 'many' }) }),
        'store.pool_max',
      ],
      [
        'wrong type of a section',
        async () => loadConfig({ file: await yamlFile('tasks: 5\n'), env: env() }),
        'tasks',
      ],
      [
        'impossible pool size',
        () => loadConfig({ env: env({ AIDOS_STORE_POOL_MAX: '0' }) }),
        'store.pool_max',
      ],
      ['not a duration', () => loadConfig({ env: env({ AIDOS_TASKS_LEASE: 'soon' }) }), 'tasks.lease'],
      [
        'negative duration',
        async () => loadConfig({ file: await yamlFile('shutdown_timeout: -5\n'), env: env() }),
        'shutdown_timeout',
      ],
      ['bad listen', () => loadConfig({ env: env({ AIDOS_LISTEN: 'localhost' }) }), 'listen'],
      ['port out of range', () => loadConfig({ env: env({ AIDOS_LISTEN: '127.0.0.1:70000' }) }), 'listen'],
      ['bad store url', () => configFromFlags({ db: 'mysql://x' }, env()), 'store.url'],
      ['bad log level', () => loadConfig({ env: env({ AIDOS_LOG_LEVEL: 'loud' }) }), 'log.level'],
      [
        'renew not shorter than lease',
        () => loadConfig({ env: env({ AIDOS_TASKS_LEASE: '5s', AIDOS_TASKS_RENEW_EVERY: '5s' }) }),
        'tasks.renew_every',
      ],
      [
        'bad label key',
        async () => loadConfig({ file: await yamlFile('labels:\n  "bad key": x\n'), env: env() }),
        'labels',
      ],
      [
        'guard not inside (renew_every, lease)',
        () => loadConfig({ env: env({ AIDOS_TASKS_LEASE: '30s', AIDOS_TASKS_GUARD_AFTER: '30s' }) }),
        'tasks.guard_after',
      ],
      [
        'unknown default profile',
        () => loadConfig({ env: env({ AIDOS_AGENTS_DEFAULT_PROFILE: 'nope' }) }),
        'agents.default_profile',
      ],
      [
        'not a cron expression',
        () => loadConfig({ env: env({ AIDOS_HEALTH_SCHEDULES_FAST: '*/10 * *' }) }),
        'health.schedules.fast',
      ],
      [
        'a cron field out of range',
        async () =>
          loadConfig({
            file: await yamlFile('health:\n  checks:\n    "process:rss": { schedule: "61 * * * *" }\n'),
            env: env(),
          }),
        'Invalid value for minute: 61',
      ],
      ['bad role', () => loadConfig({ env: env({ AIDOS_ROLES: 'api,chef' }) }), 'roles'],
      ['malformed --set', () => configFromFlags({ set: ['tasks.lease'] }, env()), '--set'],
      ['unreadable file', () => loadConfig({ file: join(dir, 'missing.yaml'), env: env() }), 'missing.yaml'],
      [
        'invalid YAML',
        async () => loadConfig({ file: await yamlFile('store: [\n  - : :\n'), env: env() }),
        'not valid YAML',
      ],
      [
        'YAML that is not a mapping',
        async () => loadConfig({ file: await yamlFile('- a\n- b\n'), env: env() }),
        'mapping',
      ],
    ];
    for (const [what, fn, key] of cases) {
      it(what, async () => {
        let error: unknown;
        try {
          await fn();
        } catch (e) {
          error = e;
        }
        expect(error, `${what} should fail`).toBeInstanceOf(AidosError);
        const e = error as AidosError;
        expect(e.kind).toBe('config');
        expect(e.message).toContain(key);
        expect(e.message).not.toContain('\n');
      });
    }
  });

  it('refuses to listen beyond loopback without a cluster key and an API token', () => {
    for (const host of ['0.0.0.0', '10.1.2.3', '[::]']) {
      const e = configError(() => loadConfig({ env: env({ AIDOS_LISTEN: `${host}:7420` }) }));
      expect(e.message).toContain('listen');
      expect(e.message).toContain('cluster.key');
    }
    configError(() => loadConfig({ env: env({ AIDOS_LISTEN: '0.0.0.0:7420', AIDOS_CLUSTER_KEY: KEY }) }));
    configError(() => loadConfig({ env: env({ AIDOS_LISTEN: '0.0.0.0:7420', AIDOS_API_TOKENS: TOKEN }) }));
    const ok = loadConfig({
      env: env({ AIDOS_LISTEN: '0.0.0.0:7420', AIDOS_CLUSTER_KEY: KEY, AIDOS_API_TOKENS: TOKEN }),
    });
    expect(ok.listen.host).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '127.1.2.3'])
      expect(loadConfig({ env: env({ AIDOS_LISTEN: `${host}:7420` }) }).listen.port).toBe(7420);
  });

  describe('aidos daemon with a bad config', () => {
    function runDaemon(args: string[], extraEnv: Record<string, string> = {}) {
      return runAidos(['daemon', '--data-dir', join(dir, 'd'), ...args], extraEnv, 20_000);
    }

    it('exits 78 with one line on stderr naming the key', async () => {
      const port = await freePort();
      await writeFile(join(dir, 'not-a-dir'), 'a file where a directory should be\n');
      const file = await yamlFile(`listen: 127.0.0.1:${port}\nstore:\n  pool_max: -1\n`);
      const runs = await Promise.all([
        runDaemon(['--config', file]),
        runDaemon(['--listen', `127.0.0.1:${port}`], { AIDOS_TASKS_LEASE: 'forever' }),
        runDaemon(['--listen', `127.0.0.1:${port}`, '--set', 'nope.key=1']),
        runDaemon(['--listen', `0.0.0.0:${port}`]),
        runDaemon(['--listen', `127.0.0.1:${port}`, '--data-dir', join(dir, 'not-a-dir', 'x')]),
      ]);
      const keys = ['store.pool_max', 'tasks.lease', 'nope.key', 'listen', 'data_dir'];
      runs.forEach((run, i) => {
        expect(run.code, run.stderr).toBe(78);
        const lines = run.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(keys[i]);
      });
    });
  });
});
