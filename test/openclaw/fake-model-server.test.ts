import { afterEach, describe, expect, it } from 'vitest';
import { type FakeModelServer, startFakeModelServer } from '../fixtures/fake-model-server.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(options: Parameters<typeof startFakeModelServer>[0] = {}): Promise<FakeModelServer> {
  const server = await startFakeModelServer(options);
  servers.push(server);
  return server;
}

function chat(server: FakeModelServer, body: object, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

const user = (text: string) => ({
  messages: [
    { role: 'system', content: 'model:500 in a system prompt does not count' },
    { role: 'user', content: [{ type: 'text', text }] },
    // OpenClaw appends its own user message of internal context after the task's message.
    { role: 'user', content: '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>' },
  ],
});

describe('fake model server', () => {
  it('streams one chunk then [DONE], or answers one JSON completion', async () => {
    const server = await start({ reply: 'hello' });
    const streamed = await chat(server, { stream: true, ...user('hi') });
    expect(streamed.headers.get('content-type')).toBe('text/event-stream');
    const events = (await streamed.text()).split('\n\n').filter(Boolean);
    expect(events).toHaveLength(2);
    expect(JSON.parse((events[0] as string).slice('data: '.length))).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [{ delta: { content: 'hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 },
    });
    expect(events[1]).toBe('data: [DONE]');
    const plain = await chat(server, user('hi'));
    expect(await plain.json()).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
    });
    expect(server.completions()).toBe(2);
    expect(server.requests().map((r) => [r.behaviour, r.stream])).toEqual([
      ['answer', true],
      ['answer', false],
    ]);
  });

  it('fails with 500 or hangs when a user message says so, or by default', async () => {
    const server = await start();
    const failed = await chat(server, user('please model:500'));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { type: 'server_error' } });
    await expect(chat(server, user('model:hang'), AbortSignal.timeout(300))).rejects.toThrow();
    server.setBehaviour('error');
    expect((await chat(server, user('hi'))).status).toBe(500);
    expect((await chat(server, user('model:answer'))).status).toBe(200);
    expect(server.requests().map((r) => r.behaviour)).toEqual(['error', 'hang', 'error', 'answer']);
  });

  it('closes with a request still hanging', async () => {
    const server = await start({ behaviour: 'hang' });
    const pending = chat(server, user('hi')).catch((e: unknown) => e);
    for (let i = 0; i < 50 && server.completions() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.completions()).toBe(1);
    servers.splice(0);
    await server.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
