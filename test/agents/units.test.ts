import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TailBuffer } from '../../daemon/agents/envelope.js';
import {
  expandPlaceholders,
  parseEnvelope,
  RestartBackoff,
  resolveProfiles,
} from '../../daemon/agents/index.js';
import { RotatingLog, readLogTail } from '../../daemon/agents/log-file.js';
import { classify } from '../../daemon/agents/outcome.js';
import { LineRing, LineSplitter, MAX_LINE_CHARS } from '../../daemon/agents/ring-buffer.js';
import { configSchema } from '../../daemon/config/schema.js';
import { tempDir } from '../helpers/agents.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const agentsConfig = (agents: object) => configSchema.parse({ agents });

describe('profiles', () => {
  it('has a built-in openclaw profile built from agents.openclaw_command', () => {
    const profiles = resolveProfiles(agentsConfig({ openclaw_command: 'node /opt/oc/openclaw.mjs' }));
    expect(profiles.get('openclaw')).toMatchObject({
      command: 'node',
      args: [
        '/opt/oc/openclaw.mjs',
        'agent',
        'exec',
        '--json',
        '--cwd',
        '{workdir}',
        '--timeout',
        '{timeout_s}',
        '--message-file',
        '{message_file}',
      ],
    });
  });

  it('resolves configured profiles and rejects unknown placeholders naming the arg', () => {
    const ok = resolveProfiles(
      agentsConfig({
        profiles: { fast: { command: 'x', args: ['{task_id}'], timeout: '30s', memory_limit_mb: 512 } },
      }),
    );
    expect(ok.get('fast')).toMatchObject({ timeoutMs: 30_000, memoryLimitMb: 512 });
    expect(() =>
      resolveProfiles(agentsConfig({ profiles: { bad: { command: 'x', args: ['ok', '{nope}'] } } })),
    ).toThrow(expect.objectContaining({ kind: 'config', field: 'agents.profiles.bad.args[1]' }));
  });

  it('expands every placeholder', () => {
    const values = {
      message_file: 'M',
      workdir: 'W',
      timeout_s: '5',
      task_id: 'T',
      attempt: '2',
      model: 'm',
      session_id: 'S',
    };
    expect(
      expandPlaceholders(
        '{workdir}/{task_id}-{attempt}:{timeout_s}{model}{session_id}{message_file}',
        values,
      ),
    ).toBe('W/T-2:5mSM');
  });
});

describe('envelope parsing', () => {
  it('finds the last pretty-printed envelope after stray lines', () => {
    const env = {
      ok: true,
      status: 'ok',
      final: 'hi',
      payloads: [{ text: 'hi' }],
      usage: { input: 1, output: 2, total: 3, cost: { total: 0.5 } },
    };
    const parsed = parseEnvelope(`log line\n{"not": "it"}\n${JSON.stringify(env, null, 2)}\n`);
    expect(parsed).toMatchObject({ ok: true, envelope: { final: 'hi', cost: 0.5, usage: { total: 3 } } });
  });

  it('explains non-JSON, non-envelope JSON and empty output', () => {
    expect(parseEnvelope('oops')).toMatchObject({ ok: false, reason: expect.stringContaining('not JSON') });
    expect(parseEnvelope('{"a":1}')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not an OpenClaw envelope'),
    });
    expect(parseEnvelope('  \n')).toMatchObject({ ok: false, reason: expect.stringContaining('no output') });
  });

  // Captured from the real CLI (openclaw 2026.9.6); see test/fixtures/openclaw-envelopes/README.md.
  const real = (name: string): string =>
    readFileSync(join('test/fixtures/openclaw-envelopes', `${name}.json`), 'utf8');
  const facts = (stdout: string, exitCode: number) => ({
    exit: { exitCode, signal: undefined, spawnError: undefined },
    stop: undefined,
    stdoutTail: stdout,
    lastLine: 'Try: openclaw agent exec --help',
    durationMs: 1,
    peakRssBytes: 0,
    cpuMs: undefined,
  });

  it("reads the real CLI's envelopes: success, model error, timeout", () => {
    expect(parseEnvelope(real('ok'))).toEqual({
      ok: true,
      envelope: {
        ok: true,
        status: 'ok',
        final: 'hi from the fake model',
        usage: { input: 11, output: 5, total: 16 },
        cost: 0,
        model: 'fake-model',
        provider: 'fake',
        sessionId: 'a0e57471-4857-4b26-988c-e1f46eed686a',
        assistantTurns: 1,
        error: undefined,
      },
    });
    // A failed run: model and provider are null, and there is no usage.
    expect(parseEnvelope(real('model-500'))).toMatchObject({
      ok: true,
      envelope: {
        ok: false,
        status: 'error',
        usage: undefined,
        model: undefined,
        error: { kind: 'exception' },
      },
    });
    expect(classify(facts(real('model-500'), 1))).toMatchObject({
      kind: 'failed',
      retryable: true,
      error: expect.stringMatching(/^exception: .*fake\/fake-model request failed .*HTTP 500/),
    });
    // OpenClaw prints the same error envelope with exit 0 when the run itself ended in error: one message.
    expect(classify(facts(real('model-500'), 0))).toMatchObject({
      kind: 'failed',
      retryable: true,
      error: classify(facts(real('model-500'), 1)).error,
    });
    expect(classify(facts(real('timeout'), 2))).toMatchObject({
      kind: 'timeout',
      retryable: true,
      error: expect.stringContaining('Request timed out before a response was generated'),
      result: { status: 'timeout', model: 'fake-model', error: { kind: 'timeout' } },
    });
  });

  it('reads the envelope of a rejected command line (no status) and does not retry it', () => {
    expect(parseEnvelope(real('unknown-option'))).toMatchObject({
      ok: true,
      envelope: { ok: false, status: 'error', error: { kind: 'cli_error' } },
    });
    expect(classify(facts(real('unknown-option'), 1))).toMatchObject({
      kind: 'failed',
      retryable: false,
      error: 'cli_error: OpenClaw does not recognize option "--attempt".\nTry: openclaw agent exec --help',
    });
    // Not every JSON object is an envelope: ok alone, or ok: true without status, is not one.
    expect(parseEnvelope('{"ok": false}')).toMatchObject({ ok: false });
    expect(parseEnvelope('{"ok": true, "error": {"message": "x"}}')).toMatchObject({ ok: false });
  });

  it('keeps only the tail of stdout', () => {
    const tail = new TailBuffer(10);
    for (let i = 0; i < 100; i++) tail.write(Buffer.from('abcdefg'));
    expect(tail.text()).toBe('abcdefg'.repeat(100).slice(-10));
    expect(tail.total).toBe(700);
  });
});

describe('restart backoff', () => {
  it('grows by the factor, caps, resets after a stable run and gives up after N quick crashes', () => {
    const b = new RestartBackoff({
      initialMs: 100,
      factor: 1.5,
      maxMs: 300,
      stableMs: 1_000,
      maxQuickCrashes: 5,
    });
    expect([0, 0, 0, 0].map(() => b.onExit(10))).toEqual(
      [100, 150, 225, 300].map((delayMs) => ({ giveUp: false, delayMs })),
    );
    expect(b.onExit(5_000)).toEqual({ giveUp: false, delayMs: 100 });
    expect(b.quickCrashes).toBe(0);
    for (let i = 0; i < 4; i++) expect(b.onExit(10).giveUp).toBe(false);
    expect(b.onExit(10)).toEqual({ giveUp: true, quickCrashes: 5 });
  });
});

describe('output capture', () => {
  it('ring keeps the last lines; splitter caps a line without newline', () => {
    const ring = new LineRing(3);
    const splitter = new LineSplitter((text) => ring.push({ stream: 'stdout', text, at: 0 }));
    splitter.write('a\nb\nc');
    splitter.write('\nd\n');
    splitter.write('x'.repeat(MAX_LINE_CHARS * 3));
    splitter.end();
    expect(ring.lines().map((l) => l.text.length)).toEqual([1, 1, MAX_LINE_CHARS]);
    expect(ring.lines().map((l) => l.text[0])).toEqual(['c', 'd', 'x']);
  });

  it('rotates the log file at its cap, keeping one old file', () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const path = join(tmp.dir, 'a', 'run.log');
    const log = new RotatingLog(path, 10);
    log.write('0123456789abcdefghij');
    log.write('KLM');
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('KLM');
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('abcdefghij');
  });

  it('reads the tail of a log across its rotation, oldest line first', () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const path = join(tmp.dir, 'b', 'attempt-1.log');
    const log = new RotatingLog(path, 12);
    // 4 bytes a line, 3 lines a file: lines 1-3 rotated away, 4-6 rotated, 7-8 current.
    for (let i = 1; i <= 8; i++) log.write(`L${i}.\n`);
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('L7.\nL8.\n');
    expect(readLogTail(path, 2)).toEqual(['L7.', 'L8.']);
    expect(readLogTail(path, 4)).toEqual(['L5.', 'L6.', 'L7.', 'L8.']);
    expect(readLogTail(path, 100)).toEqual(['L4.', 'L5.', 'L6.', 'L7.', 'L8.']);
    expect(readLogTail(join(tmp.dir, 'none.log'), 10)).toEqual([]);
  });
});
