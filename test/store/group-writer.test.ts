import { describe, expect, it } from 'vitest';
import { type GroupOutcome, GroupWriter } from '../../daemon/store/sqlite/group-writer.js';

describe('GroupWriter', () => {
  it('writes inputs a group stops short of in later turns: each once, in order, failures their own', async () => {
    const groups: number[][] = [];
    // Writes at most 3 per call, as a group past its time budget does, and fails input 4 alone.
    const writer = new GroupWriter<number, number>((inputs): GroupOutcome<number>[] => {
      const written = inputs.slice(0, 3);
      groups.push(written);
      return written.map((n) => (n === 4 ? { error: new Error('four') } : { ok: n * 10 }));
    }, 5);
    const results = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => writer.write(i)));
    expect(groups.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(groups.every((g) => g.length <= 3)).toBe(true);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
      0,
      10,
      20,
      30,
      'rejected',
      50,
      60,
      70,
      80,
      90,
      100,
    ]);
  });

  it('fails a whole group when its transaction throws and goes on with the next', async () => {
    let calls = 0;
    const writer = new GroupWriter<number, number>((inputs) => {
      calls++;
      if (calls === 1) throw new Error('disk full');
      return inputs.map((n) => ({ ok: n }));
    }, 2);
    const results = await Promise.allSettled([1, 2, 3].map((n) => writer.write(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});
