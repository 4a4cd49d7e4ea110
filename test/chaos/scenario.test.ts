import { describe, expect, it } from 'vitest';
import { loadLibrary, parseScenario } from '../../chaos/scenario/load.js';

const ok = `name: demo
description: a demo
steps:
  - fault: { kind: cpu-stress, workers: 1 }
    duration: 1s
`;

function refusal(text: string): { message: string; field: string | undefined } {
  try {
    parseScenario(text, 'demo.yaml');
  } catch (error) {
    return { message: (error as Error).message, field: (error as { field?: string }).field };
  }
  throw new Error('expected a refusal');
}

describe('scenario files', () => {
  it('the library holds every scenario the issue names, each valid', () => {
    const library = loadLibrary();
    expect([...library.keys()].sort()).toEqual(
      [
        'agent-crash-loop',
        'node-kill',
        'node-pause',
        'partition-one',
        'peer-loss',
        'pg-pool-exhaustion',
        'pg-connections-killed',
        'pg-unreachable',
        'slow-store',
        'cpu-saturation',
        'memory-pressure',
        'disk-nearly-full',
      ].sort(),
    );
    const unreachable = library.get('pg-unreachable');
    expect(unreachable?.steps[1]).toMatchObject({ duration: 20_000, fault: { kind: 'proxy-toxic' } });
    expect(library.get('peer-loss')?.steps[0]).toMatchObject({ fault: { loss: 0.3, delay_ms: 200 } });
  });

  it('applies defaults to a minimal scenario', () => {
    const s = parseScenario(ok, 'demo.yaml');
    expect(s.hypothesis).toMatchObject({
      health: ['pass', 'warn'],
      task_success_rate: 1,
      max_recovery: 60_000,
    });
    expect(s.steps[0]).toMatchObject({
      duration: 1_000,
      fault: { kind: 'cpu-stress', workers: 1, share: 1 },
    });
  });

  it('names the line and field of a bad duration', () => {
    const r = refusal(ok.replace('duration: 1s', 'duration: 1x'));
    expect(r.message).toMatch(/^demo\.yaml:5: steps\.0\.duration: "1x" is not a duration/);
    expect(r.field).toBe('steps.0.duration');
  });

  it('names an unknown fault kind', () => {
    const r = refusal(ok.replace('cpu-stress', 'cpu-melt'));
    expect(r.message).toMatch(/^demo\.yaml:4: steps\.0\.fault\.kind: /);
  });

  it('names a missing field and an unknown one', () => {
    expect(refusal('name: demo\ndescription: x\n').message).toMatch(/^demo\.yaml:1: steps: /);
    expect(refusal(`${ok}colour: red\n`).message).toMatch(/colour/);
  });

  it('names an out-of-range magnitude', () => {
    const r = refusal(ok.replace('workers: 1', 'workers: 500'));
    expect(r.message).toMatch(/^demo\.yaml:4: steps\.0\.fault\.workers: /);
  });

  it('refuses YAML that does not parse, with its line, and a name that is not the file name', () => {
    expect(refusal('name: demo\nsteps: [\n').message).toMatch(/^demo\.yaml:\d+: not valid YAML/);
    expect(refusal(ok.replace('name: demo', 'name: other')).message).toMatch(
      /name: must equal the file name "demo"/,
    );
  });
});
