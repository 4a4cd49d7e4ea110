import { describe, expect, it } from 'vitest';
import { claimPlan, slotCapacity } from '../../daemon/tasks/claim-plan.js';
import type { AgentLauncher } from '../../daemon/tasks/launcher.js';
import { MemorySlots } from '../../daemon/tasks/memory-slots.js';

const GB = 1024 ** 3;

describe('memory-aware slots', () => {
  it('divides free memory by the measured per-run peak, and has no bound before a run', () => {
    let free = 5 * GB;
    const slots = new MemorySlots(() => free);
    expect(slots.slots()).toBeUndefined();
    slots.record(0.9 * GB);
    expect(slots.slots()).toBe(5);
    free = 1.5 * GB;
    expect(slots.slots()).toBe(1);
  });

  it('takes a bigger peak at once and lets a smaller one in slowly', () => {
    const slots = new MemorySlots(() => 10 * GB);
    slots.record(1 * GB);
    slots.record(2 * GB);
    expect(slots.peakBytes).toBe(2 * GB);
    slots.record(0.1 * GB);
    expect(slots.peakBytes).toBeCloseTo(1.8 * GB);
    expect(slots.slots()).toBe(5);
  });

  it("bounds by the heaviest profile's peak: light runs do not wear down a heavy profile's", () => {
    const slots = new MemorySlots(() => 10 * GB);
    slots.record(2 * GB, 'openclaw');
    for (let i = 0; i < 20; i++) slots.record(0.05 * GB, 'script');
    expect(slots.peakBytes).toBe(2 * GB);
    expect(slots.slots()).toBe(5);
  });
});

describe('claim plan', () => {
  const launcher = (lanes: number | undefined, memory?: number) =>
    ({
      profileNames: () => ['openclaw', 'openclaw-gateway'],
      profileSlots: () => undefined,
      dedicatedSlots: (p: string) => (p === 'openclaw-gateway' ? lanes : undefined),
      memorySlots: () => memory,
    }) as unknown as AgentLauncher;

  it('claims gateway turns up to the lanes, apart from agents.slots', () => {
    const cap = slotCapacity(launcher(8), ['openclaw', 'openclaw-gateway', 'openclaw-gateway'], 2);
    expect(cap).toEqual({ sharedFree: 1, dedicated: new Map([['openclaw-gateway', 6]]) });
    expect(claimPlan(cap, undefined, ['openclaw', 'openclaw-gateway'])).toEqual([
      { limit: 1, profiles: ['openclaw'] },
      { limit: 6, profiles: ['openclaw-gateway'] },
    ]);
  });

  it('claims no gateway task while no gateway accepts, and bounds process agents by memory', () => {
    const cap = slotCapacity(launcher(0, 0), ['openclaw'], 4);
    expect(cap.sharedFree).toBe(0);
    expect(claimPlan(cap, undefined, ['openclaw', 'openclaw-gateway'])).toEqual([]);
    // An idle node always takes one, whatever the memory estimate says.
    expect(slotCapacity(launcher(0, 0), [], 4).sharedFree).toBe(1);
  });
});
