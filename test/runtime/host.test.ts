import { createHook } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../daemon/config/load.js';
import { AidosError } from '../../daemon/errors.js';
import { Daemon } from '../../daemon/runtime/daemon.js';
import type { DaemonModule, PeerTransport } from '../../daemon/runtime/module.js';
import type { StoreLinkState } from '../../daemon/runtime/store-link.js';
import { waitFor } from '../helpers/wait.js';

declare module '../../daemon/runtime/module.js' {
  interface DaemonServices {
    /** A service of the host test's first module. */
    'test.greeter': { greet(name: string): string };
  }
}

const silent = pino({ level: 'silent' });
let dir: string;
let count = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-host-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config() {
  const data = join(dir, `d${++count}`);
  return loadConfig({
    env: { HOME: dir },
    flags: { data_dir: data, listen: '127.0.0.1:0', node_id: `host-${count}` },
  });
}

describe('the module host', () => {
  it('installs modules in order through their context: services, routes, topics, components, events, seams', async () => {
    const order: string[] = [];
    const registered: string[] = [];
    const storeChanges: StoreLinkState[] = [];
    const sent: string[] = [];
    const first: DaemonModule = {
      name: 'first',
      install(ctx) {
        ctx.provide('test.greeter', { greet: (name) => `hello ${name} from ${ctx.node.id}` });
        ctx.addRoute({
          method: 'GET',
          path: '/test/first',
          auth: 'public',
          handle: () => ({ status: 200, body: { ok: true } }),
        });
        ctx.use({
          name: 'first',
          start: async () => void order.push('start first'),
          stop: async () => void order.push('stop first'),
        });
        ctx.events.on('store.change', (s) => storeChanges.push(s));
      },
    };
    const second: DaemonModule = {
      name: 'second',
      // A chaos-like seam: every node registration goes through this wrapper.
      wrap: {
        store: (facets) => ({
          ...facets,
          nodes: {
            ...facets.nodes,
            registerNode: (node) => {
              registered.push(node.id);
              return facets.nodes.registerNode(node);
            },
            heartbeatNode: (id, status) => facets.nodes.heartbeatNode(id, status),
            listNodes: () => facets.nodes.listNodes(),
          },
        }),
        peerTransport: (inner) => ({
          send: (peer, frame) => {
            sent.push(peer);
            return inner.send(peer, frame);
          },
          onFrame: (handler) => inner.onFrame(handler),
        }),
      },
      install(ctx) {
        const greeting = ctx.require('test.greeter').greet('second');
        ctx.addRoute({
          method: 'GET',
          path: '/test/second',
          auth: 'public',
          handle: () => ({ status: 200, body: { greeting } }),
        });
        ctx.use({
          name: 'second',
          start: async () => void order.push('start second'),
          stop: async () => void order.push('stop second'),
        });
        const raw: PeerTransport = { send: async () => {}, onFrame: () => () => {} };
        void ctx.inject.peerTransport(raw).send('peer-1', { type: 'ping' });
      },
    };
    const daemon = new Daemon(config(), silent, { modules: [first, second] });
    await daemon.start();
    try {
      const base = `http://127.0.0.1:${daemon.port}`;
      expect(await (await fetch(`${base}/test/second`)).json()).toEqual({
        greeting: `hello second from ${daemon.config.node_id}`,
      });
      expect((await fetch(`${base}/test/first`)).status).toBe(200);
      // The runtime serves /metrics from the registry it owns.
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('aidos_task_claims_total');
      expect(order).toEqual(['start first', 'start second']);
      expect(registered).toEqual([daemon.config.node_id]);
      expect(sent).toEqual(['peer-1']);
      await waitFor(() => storeChanges.some((s) => s.reachable && s.migrated), 5_000, 'store.change');
    } finally {
      await daemon.stop();
    }
    expect(order).toEqual(['start first', 'start second', 'stop second', 'stop first']);
  });

  it('refuses a module that needs a service nobody provided, naming both', () => {
    const needy: DaemonModule = { name: 'needy', install: (ctx) => void ctx.require('test.greeter') };
    expect(() => new Daemon(config(), silent, { modules: [needy] })).toThrow(
      /module needy: needs service "test.greeter", which no module installed before it provides/,
    );
  });

  it('refuses a second owner of a topic or a service', () => {
    const topic: DaemonModule = {
      name: 'nodes',
      install: (ctx) => ctx.addTopic('nodes', { snapshot: async () => [], subscribe: () => () => {} }),
    };
    const error = (() => {
      try {
        new Daemon(config(), silent, { modules: [topic, { ...topic, name: 'nodes-again' }] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AidosError);
    expect((error as Error).message).toBe('module nodes-again: topic nodes already has a source');
    const socket: DaemonModule = {
      name: 'peer',
      install: (ctx) =>
        ctx.addWebSocket({
          path: '/v1/client',
          maxPayloadBytes: 1024,
          requireToken: true,
          maxConnectionsPerAddress: 1,
          onConnection: (ws) => ws.close(),
        }),
    };
    expect(() => new Daemon(config(), silent, { modules: [socket] })).toThrow(
      'module peer: WebSocket path /v1/client is already served',
    );
    const greeter: DaemonModule = {
      name: 'g',
      install: (ctx) => ctx.provide('test.greeter', { greet: () => '' }),
    };
    expect(() => new Daemon(config(), silent, { modules: [greeter, { ...greeter, name: 'g2' }] })).toThrow(
      'module g2: service "test.greeter" is already provided by module g',
    );
  });

  it('leaves no event-loop monitor running per daemon stopped: the process metrics are set up once', async () => {
    // An enabled monitor is a 10 ms libuv timer that nothing stops; count the ones created.
    let monitors = 0;
    const hook = createHook({
      init: (_id, type) => {
        if (type === 'ELDHISTOGRAM') monitors++;
      },
    }).enable();
    let text = '';
    try {
      for (let i = 0; i < 3; i++) {
        const daemon = new Daemon(config(), silent, { modules: [] });
        await daemon.start();
        try {
          text = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
        } finally {
          await daemon.stop();
        }
      }
    } finally {
      hook.disable();
    }
    expect(monitors).toBeLessThanOrEqual(1);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('aidos_task_claims_total');
  });
});
