import { describe, expect, it } from 'vitest';
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
});
