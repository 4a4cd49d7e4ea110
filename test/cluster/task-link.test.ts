import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../daemon/agents/clock.js';
import { MemoryNetwork } from '../../daemon/cluster/memory-transport.js';
import { PeerTaskLink, type TaskChangedMessage } from '../../daemon/cluster/task-link.js';
import { withSideChannels } from '../../daemon/cluster/transport.js';
import { migrationRunner } from '../../daemon/store/open.js';
import { SqliteStore } from '../../daemon/store/sqlite/sqlite-store.js';
import type { Task } from '../../daemon/store/types.js';
import { RemoteTaskChanges } from '../../daemon/tasks/remote-changes.js';
import { peerMessageSchema } from '../../shared/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { newTask } from '../store/contract/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'aidos-task-link-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('task changes across the cluster', () => {
  it('sends a burst of changed ids as one batch to the api peers only, and a receiver pushes what it reads', async () => {
    const net = new MemoryNetwork(systemClock, Math.random);
    const links = new Map<string, PeerTaskLink>();
    const swimSaw: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const raw = net.endpoint(name);
      // a talks to b (api) only: c is a worker-only member, which serves no client.
      const link = new PeerTaskLink(
        name,
        () => transport,
        () => (name === 'a' ? ['b'] : []),
      );
      const transport = withSideChannels(raw, (m) => {
        if (m.type !== 'task-changed') return false;
        link.receive(peerMessageSchema.parse(m) as TaskChangedMessage);
        return true;
      });
      transport.onMessage((m) => swimSaw.push(m.type));
      links.set(name, link);
    }
    const store = new SqliteStore({ path: join(dir, 'tasks.db'), busyTimeoutMs: 5_000 });
    await migrationRunner(store).up();
    const tasks = await Promise.all(
      Array.from(
        { length: 300 },
        async (_, i) => (await store.submitTask(newTask({ message: `m${i}` }))).task,
      ),
    );

    const remote = new RemoteTaskChanges(store);
    const batches: string[][] = [];
    const cSaw: string[] = [];
    links.get('b')!.onChanged((ids) => {
      batches.push(ids);
      remote.changed(ids);
    });
    links.get('c')!.onChanged((ids) => cSaw.push(...ids));
    const pushed: Task[] = [];
    const off = remote.subscribe((t) => pushed.push(t));
    for (const t of tasks) links.get('a')!.announce(t.id);
    await waitFor(() => pushed.length === tasks.length, 5_000, 'every announced task pushed on b');
    expect(batches).toHaveLength(1);
    expect(new Set(pushed.map((t) => t.id))).toEqual(new Set(tasks.map((t) => t.id)));
    expect(pushed.every((t) => t.state === 'queued')).toBe(true);
    expect(cSaw).toEqual([]);
    expect(swimSaw).toEqual([]);
    off();
    for (const link of links.values()) link.close();
    await store.close();
  });
});
