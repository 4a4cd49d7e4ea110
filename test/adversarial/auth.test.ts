import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api } from '../helpers/api.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';

const TOKEN = 'tok-auth-0123456789abcdef';

afterAll(async () => {
  await cleanupDaemons();
});

describe('API tokens', () => {
  it('takes the token from the header with any case of the scheme, and from ?token= only on the WebSocket upgrade', async () => {
    const d = await startDaemon({ env: { AIDOS_API_TOKENS: TOKEN } });
    expect((await api(d.url, 'GET', '/api/v1/node')).status).toBe(401);
    expect((await api(d.url, 'GET', `/api/v1/node?token=${TOKEN}`)).status).toBe(401);
    expect(
      (await api(d.url, 'GET', '/api/v1/node', undefined, { authorization: `Bearer ${TOKEN}` })).status,
    ).toBe(200);
    expect(
      (await api(d.url, 'GET', '/api/v1/node', undefined, { authorization: `bearer ${TOKEN}` })).status,
    ).toBe(200);
    expect(
      (await api(d.url, 'GET', '/api/v1/node', undefined, { authorization: 'Bearer wrong-token-0123456' }))
        .status,
    ).toBe(401);
    const wsUrl = `${d.url.replace(/^http/, 'ws')}/v1/client`;
    const opened = (url: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url);
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('error', (error) => resolve(error.message));
      });
    expect(await opened(`${wsUrl}?token=${TOKEN}`)).toBe('open');
    expect(await opened(wsUrl)).toContain('401');
  });
});
