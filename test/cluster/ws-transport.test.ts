import { afterEach, describe, expect, it } from 'vitest';
import { PEER_LIMITS } from '../../shared/cluster.js';
import { FAST, type PeerMember, rawPeer, startPeer, TEST_KEY, testMeta } from '../helpers/peer-net.js';
import { waitFor } from '../helpers/wait.js';

// Members in this process over real WebSockets on 127.0.0.1, with real handshakes and MACs.
const members: PeerMember[] = [];
afterEach(async () => {
  while (members.length) await members.pop()!.close();
});

async function peer(...args: Parameters<typeof startPeer>): Promise<PeerMember> {
  const m = await startPeer(...args);
  members.push(m);
  return m;
}

const aliveCount = (m: PeerMember) => m.swim.members.others('alive').length;
const meta = testMeta();

describe('the WebSocket peer transport', () => {
  it('three members converge over authenticated sockets', async () => {
    const a = await peer('a');
    const b = await peer('b', { seeds: [a.address] });
    const c = await peer('c', { seeds: [a.address] });
    await waitFor(() => [a, b, c].every((m) => aliveCount(m) === 2), 15_000, 'all three alive everywhere');
    expect(a.transport.stats.bytesSent).toBeGreaterThan(0);
    expect(Object.keys(a.transport.stats.rejected)).toEqual([]);
  });

  it('a member with a wrong key is refused and counted on both sides, and never joins', async () => {
    const a = await peer('a');
    const bad = await peer('x', { keys: ['another-cluster-key-0123456789abcdef'], seeds: [a.address] });
    await waitFor(() => (a.transport.stats.rejected.auth ?? 0) > 0, 10_000, 'the accepting side to count it');
    await waitFor(() => (bad.transport.stats.rejected.handshake ?? 0) > 0, 10_000, 'the dialler to count it');
    expect(a.swim.members.get('x')).toBeUndefined();
    expect(aliveCount(bad)).toBe(0);
  });

  it('a member on another store is refused with store_identity on both sides', async () => {
    const a = await peer('a');
    const other = await peer('o', { store: 'store-b', seeds: [a.address] });
    await waitFor(() => (a.transport.stats.rejected.store_identity ?? 0) > 0, 10_000, 'the accepting side');
    await waitFor(() => (other.transport.stats.rejected.store_identity ?? 0) > 0, 10_000, 'the dialler');
    expect(a.swim.members.get('o')).toBeUndefined();
  });

  it('a rotated key: the new key is accepted by a ring holding old and new, the old one refused once retired', async () => {
    const fresh = 'rotated-cluster-key-0123456789abcdef';
    const a = await peer('a', { keys: [TEST_KEY, fresh] });
    const b = await peer('b', { keys: [fresh, TEST_KEY], seeds: [a.address] });
    await waitFor(() => aliveCount(a) === 1 && aliveCount(b) === 1, 15_000, 'a and b alive to each other');
    // Retired: a ring holding only the new key refuses a peer that still proves with the old one.
    const retired = await peer('r', { keys: [fresh] });
    const stale = await peer('s', { keys: [TEST_KEY], seeds: [retired.address] });
    await waitFor(() => (retired.transport.stats.rejected.auth ?? 0) > 0, 10_000, 'the old key refused');
    expect(retired.swim.members.get('s')).toBeUndefined();
    expect(aliveCount(stale)).toBe(0);
  });

  it('replayed, forged, malformed and oversized frames are dropped and counted; the member carries on', async () => {
    const a = await peer('a', { params: { ...FAST, probeIntervalMs: 10_000 } });
    const { ws, signer } = await rawPeer(a.address);
    const body = JSON.stringify({
      type: 'gossip',
      from: 'raw',
      updates: [{ kind: 'alive', id: 'raw', address: '127.0.0.1:1', incarnation: 0, meta }],
    });
    const frame = signer!.sign(body);
    ws.send(frame);
    await waitFor(() => a.swim.members.get('raw'), 5_000, 'the valid frame to be applied');
    ws.send(frame); // the same frame again
    await waitFor(() => (a.transport.stats.rejected.replay ?? 0) === 1, 5_000, 'the replay to be counted');
    const forged = JSON.parse(signer!.sign(body));
    forged.b = body.replace('"incarnation":0', '"incarnation":9');
    ws.send(JSON.stringify(forged));
    ws.send('{not json');
    ws.send(signer!.sign(JSON.stringify({ type: 'gossip', from: 'someone-else', updates: [] })));
    await waitFor(() => (a.transport.stats.rejected.auth ?? 0) === 1, 5_000, 'the forged frame');
    await waitFor(() => (a.transport.stats.rejected.malformed ?? 0) === 2, 5_000, 'the malformed frames');
    expect(a.swim.members.get('raw')!.incarnation).toBe(0);
    ws.send('x'.repeat(PEER_LIMITS.maxFrameBytes + 10));
    await waitFor(() => (a.transport.stats.rejected.oversized ?? 0) === 1, 5_000, 'the oversized frame');
    // Still serving peers.
    const b = await peer('b', { seeds: [a.address] });
    await waitFor(
      () => a.swim.members.get('b')?.state === 'alive' && aliveCount(b) >= 1,
      15_000,
      'b to join a',
    );
    ws.terminate();
  });
});
