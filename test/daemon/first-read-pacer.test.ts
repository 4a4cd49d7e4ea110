import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FirstReadPacer } from '../../daemon/server/first-read-pacer.js';
import { withTimeout } from '../helpers/wait.js';

// Another process, so that its requests reach the server in bulk as a real burst's do.
const CLIENT = `
const { Agent, request } = require('node:http');
const [port, n] = process.argv.slice(1).map(Number);
const agent = new Agent({ keepAlive: true, maxSockets: n });
Promise.all(Array.from({ length: n }, (_, i) => new Promise((resolve, reject) => {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/' + i, agent }, (res) => {
    let body = '';
    res.on('data', (c) => { body += c; });
    res.on('end', () => resolve(body));
  });
  req.on('error', reject);
  req.end('x');
}))).then((bodies) => { process.stdout.write(JSON.stringify(bodies)); process.exit(0); },
  (e) => { process.stderr.write(String(e)); process.exit(1); });
`;

let close: (() => void) | undefined;
afterEach(() => close?.());

describe('FirstReadPacer', () => {
  it('bounds the first requests parsed per turn of the loop far below an unpaced server, and answers every one', async () => {
    const perTurn = 4;
    let inTurn = 0;
    let most = 0;
    const server = createServer((req, res) => {
      inTurn++;
      most = Math.max(most, inTurn);
      req.resume();
      req.on('end', () => res.end(req.url));
    });
    new FirstReadPacer(server, perTurn);
    let running = true;
    const turns = () => {
      inTurn = 0;
      if (running) setImmediate(turns);
    };
    turns();
    close = () => {
      running = false;
      server.closeAllConnections();
      server.close();
    };
    await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, r));
    const { port } = server.address() as AddressInfo;
    const n = 300;
    const out = await withTimeout(
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', CLIENT, String(port), String(n)], (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message} ${stderr}`)) : resolve(stdout),
        ),
      ),
      60_000,
      'the client to get every answer',
    );
    expect(JSON.parse(out)).toEqual(Array.from({ length: n }, (_, i) => `/${i}`));
    // The request that finds the turn's share used up has been read already: it goes on; so does
    // the first read of a connection accepted later in the same poll phase (the pacer cannot hold
    // a socket it has not seen yet). Unpaced, one turn parses ~150 of these 300.
    expect(most).toBeLessThanOrEqual(perTurn * 10);
  });

  it('refuses a quota below one', () => {
    expect(() => new FirstReadPacer(createServer(), 0)).toThrow(/perTurn/);
  });
});
