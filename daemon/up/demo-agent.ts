#!/usr/bin/env node
/**
 * The agent of `aidos up --demo`: a pretend `openclaw agent exec --json` that needs no model. It
 * reads the task's message, works for a while (progress on stderr, which the log view tails) and
 * prints an OpenClaw-shaped JSON envelope. A message with `flaky` fails its first attempt, so the
 * demo shows retries; `work:MS` sets how long it works.
 */
import { readFileSync } from 'node:fs';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const file = option('--message-file');
const message = file ? readFileSync(file, 'utf8').trim() : (process.argv.at(-1) ?? '');
const attempt = Number(option('--attempt') ?? 1);
const work = Number(/\bwork:(\d+)/.exec(message)?.[1] ?? 1_000 + Math.random() * 4_000);
const steps = 4;

for (let step = 1; step <= steps; step++) {
  await new Promise((r) => setTimeout(r, work / steps));
  process.stderr.write(`demo agent: step ${step}/${steps} of "${message.slice(0, 60)}"\n`);
  if (step === 2 && attempt === 1 && /\bflaky\b/.test(message)) {
    process.stderr.write('demo agent: the model provider answered 503; giving up this attempt\n');
    process.exit(1);
  }
}
const final = `done: ${message.slice(0, 200)}`;
process.stdout.write(
  `${JSON.stringify({
    ok: true,
    status: 'ok',
    final,
    payloads: [{ text: final, mediaUrl: null }],
    model: 'demo-model',
    provider: 'demo',
    sessionId: `demo-${process.pid}`,
    assistantTurns: 1,
  })}\n`,
);
