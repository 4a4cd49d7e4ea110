import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** The OpenClaw release the tests run (OPENCLAW.md was verified against it). */
export const OPENCLAW_VERSION = '2026.9.6';

/** Where a real OpenClaw is installed for tests, and how to start it. */
export interface OpenclawInstall {
  /** A Node.js ≥ 24.16 binary (OpenClaw's engines field). */
  node: string;
  /** The CLI entry, `…/node_modules/openclaw/openclaw.mjs`. */
  entry: string;
}

const run = promisify(execFile);

function nodeMajorMinor(version: string): [number, number] {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return [major, minor];
}

function layout(dir: string, ownNode: boolean): OpenclawInstall {
  return {
    node: ownNode
      ? process.execPath
      : join(dir, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node'),
    entry: join(dir, 'node_modules', 'openclaw', 'openclaw.mjs'),
  };
}

/**
 * Finds the pinned OpenClaw (and a Node 24 to run it, unless this Node is new enough) in a cache
 * folder, installing both from the npm registry the first time (~840 MB, about a minute). The
 * install goes to a temporary sibling first and is renamed into place, so an interrupted or
 * concurrent install never leaves a half-filled cache. `AIDOS_TEST_OPENCLAW_CACHE` moves the cache.
 */
export async function ensureOpenclaw(): Promise<OpenclawInstall> {
  const [major, minor] = nodeMajorMinor(process.version);
  const ownNode = major > 24 || (major === 24 && minor >= 16);
  const cacheRoot = process.env.AIDOS_TEST_OPENCLAW_CACHE ?? join(homedir(), '.cache', 'aidos-test-openclaw');
  const dir = join(cacheRoot, `openclaw-${OPENCLAW_VERSION}-${ownNode ? 'own-node' : 'node24'}`);
  const found = layout(dir, ownNode);
  if (existsSync(found.entry) && existsSync(found.node)) return found;

  await mkdir(cacheRoot, { recursive: true });
  const staging = await mkdtemp(join(dirname(dir), 'installing-'));
  try {
    await writeFile(join(staging, 'package.json'), '{ "private": true }\n');
    const packages = [`openclaw@${OPENCLAW_VERSION}`];
    if (!ownNode) packages.push(`node-${process.platform}-${process.arch}@24`);
    // No install scripts: openclaw's preinstall refuses a Node older than 24 (npm itself may run on
    // Node 20), and the CLI works without them.
    await run(
      'npm',
      [
        'install',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--loglevel=error',
        ...packages,
      ],
      {
        cwd: staging,
        timeout: 10 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another test run finished the same install first: use theirs.
      if (!existsSync(found.entry)) throw error;
      await rm(staging, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`cannot install openclaw@${OPENCLAW_VERSION} into ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return found;
}

/** An OpenClaw config whose only model is the fake server at `baseUrl` (see OPENCLAW.md). */
export function fakeModelConfig(baseUrl: string): Record<string, unknown> {
  return {
    gateway: { mode: 'local' },
    agents: { defaults: { model: { primary: 'fake/fake-model' } } },
    models: {
      mode: 'merge',
      providers: {
        fake: {
          baseUrl,
          apiKey: 'sk-local',
          api: 'openai-completions',
          models: [
            {
              id: 'fake-model',
              name: 'Fake Model',
              reasoning: false,
              input: ['text'],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 32768,
              maxTokens: 1024,
            },
          ],
        },
      },
    },
  };
}
