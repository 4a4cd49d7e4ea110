import { describe, expect, it } from 'vitest';
import { placeFaults } from '../../chaos/drill/placement.js';
import { loadLibrary } from '../../chaos/scenario/load.js';
import { overrideScenario } from '../../chaos/scenario/overrides.js';

// Where a drill's faults go (the blast radius) and how a run overrides a scenario's fields.
const library = loadLibrary();
const get = (name: string) => {
  const s = library.get(name);
  if (!s) throw new Error(`${name} missing`);
  return s;
};
const members = ['n1', 'n2', 'n3'];

describe('placement', () => {
  it('faults the controller itself in a one-node drill, every member at 100%', () => {
    expect(placeFaults(get('partition-one'), 'n1', members)).toEqual(['n1']);
    expect(placeFaults(get('slow-store'), 'n1', ['n1'])).toEqual(['n1']);
    expect(placeFaults(get('peer-loss'), 'n2', members).sort()).toEqual(members);
  });

  it('never takes the controller down: node-kill and node-pause pick a peer, and refuse without one', () => {
    for (const name of ['node-kill', 'node-pause']) {
      const [victim] = placeFaults(get(name), 'n1', members);
      expect(['n2', 'n3']).toContain(victim);
      expect(() => placeFaults(get(name), 'n1', ['n1'])).toThrow(/needs a peer/);
    }
  });

  it('skips protected nodes', () => {
    const s = overrideScenario(get('node-kill'), { 'scope.protected': ['n2'] });
    expect(placeFaults(s, 'n1', members)).toEqual(['n3']);
  });
});

describe('overrides (chaos run --set)', () => {
  it('replaces durations, magnitudes and load, validated like the file', () => {
    const s = overrideScenario(get('disk-nearly-full'), {
      'steps.0.duration': '2s',
      'steps.0.fault.mb': 64,
      'load.tasks': 2,
    });
    expect(s.steps[0]).toMatchObject({ duration: 2_000, fault: { kind: 'disk-fill', mb: 64 } });
    expect(s.load.tasks).toBe(2);
    expect(get('disk-nearly-full').load.tasks).toBe(4);
  });

  it('refuses a path not in the scenario and a bad value, naming set.<path>', () => {
    expect(() => overrideScenario(get('slow-store'), { 'steps.3.duration': '1s' })).toThrow(
      expect.objectContaining({ field: 'set.steps.3.duration' }),
    );
    expect(() => overrideScenario(get('slow-store'), { 'steps.0.duration': '2x' })).toThrow(
      expect.objectContaining({ field: 'set.steps.0.duration' }),
    );
    expect(() => overrideScenario(get('slow-store'), { 'load.tasks': -1 })).toThrow(
      expect.objectContaining({ field: 'set.load.tasks' }),
    );
  });
});
