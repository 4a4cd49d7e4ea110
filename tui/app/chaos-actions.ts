import type { ChaosScenarioSummary } from '../../shared/api/chaos.js';
import type { FaultSpecInput } from '../../shared/api/chaos-faults.js';
import type { FleetConnection } from '../fleet/connection.js';
import type { ChaosData } from '../hooks/use-chaos.js';
import { blastRadius, describeFault, span } from '../views/chaos-model.js';
import type { Mode } from './ui-state.js';

/** One fault `x` offers to inject on the attached node, with its magnitude and duration fixed. */
export interface FaultPreset {
  /** Name in the pick list. */
  label: string;
  /** The fault spec sent to chaos.inject. */
  fault: FaultSpecInput;
  /** How long it stays in force. */
  duration_ms: number;
}

/** The short pick list: cheap, self-reverting faults (anything else: `aidos chaos inject`). */
export const FAULT_PRESETS: readonly FaultPreset[] = [
  { label: 'cpu-stress', fault: { kind: 'cpu-stress', workers: 1, share: 0.5 }, duration_ms: 30_000 },
  { label: 'memory-pressure', fault: { kind: 'memory-pressure', mb: 256 }, duration_ms: 30_000 },
  { label: 'agent-pause', fault: { kind: 'process-pause', target: { agents: 'one' } }, duration_ms: 10_000 },
  { label: 'agent-kill', fault: { kind: 'process-kill', target: { agents: 'one' } }, duration_ms: 5_000 },
  { label: 'partition', fault: { kind: 'network', peers: 'all', partition: true }, duration_ms: 10_000 },
  {
    label: 'peer-delay',
    fault: { kind: 'network', peers: 'all', delay_ms: 200, jitter_ms: 50 },
    duration_ms: 30_000,
  },
];

/** The confirmation of a drill, naming scenario, target, magnitude, duration and blast radius. */
export function confirmScenario(connection: FleetConnection, s: ChaosScenarioSummary, members: number): Mode {
  const steps = s.steps ?? [];
  const described = steps.map((st) => describeFault(st.fault.kind, st.fault));
  const uniq = (xs: string[]) => [...new Set(xs)].join(' / ') || '-';
  const duration = steps.length ? span(steps.reduce((n, st) => n + st.duration_ms, 0)) : '-';
  return {
    kind: 'confirm',
    question:
      `run drill ${s.name} (${s.faults.join(', ')}): target ${uniq(described.map((d) => d.target))}, ` +
      `magnitude ${uniq(described.map((d) => d.magnitude))}, duration ${duration}, ` +
      `blast radius ${blastRadius(s, members)}? (y/n)`,
    run: async () => {
      const { run } = await connection.call('chaos.run', { scenario: s.name });
      return `drill ${run.run_id} (${s.name}) started; its verdict appears under Past drills`;
    },
  };
}

/** The confirmation of one fault on the attached node, naming it and everything the drill one names. */
export function confirmInject(connection: FleetConnection, preset: FaultPreset, node: string): Mode {
  const { kind, ...spec } = preset.fault;
  const d = describeFault(kind, spec);
  return {
    kind: 'confirm',
    question:
      `inject ${kind} on ${node}: target ${d.target}, magnitude ${d.magnitude}, ` +
      `duration ${span(preset.duration_ms)}, blast radius this node only (${node})? (y/n)`,
    run: async () => {
      const r = await connection.call('chaos.inject', {
        fault: preset.fault,
        duration_ms: preset.duration_ms,
      });
      return r.fault
        ? `injected ${r.fault.id} (${kind}) on ${node}; reverted in ${span(preset.duration_ms)} or by A`
        : `inject ${kind}: planned only`;
    },
  };
}

/** `x`: pick the selected scenario's drill or one fault preset, then confirm it. */
export function chaosRunMode(
  connection: FleetConnection,
  chaos: ChaosData,
  scenario: string | undefined,
  members: number,
): Mode | string {
  const node = chaos.status?.node_id;
  const s = chaos.scenarios.find((x) => x.name === scenario);
  const options = [
    ...(s ? [`run ${s.name}`] : []),
    ...(node ? FAULT_PRESETS.map((p) => `inject ${p.label}`) : []),
  ];
  if (!options.length) return `chaos: ${chaos.error ?? 'nothing to run yet (the library is being read)'}`;
  return {
    kind: 'pick',
    title: 'chaos',
    options,
    index: 0,
    choose: (option) => {
      const preset = FAULT_PRESETS.find((p) => option === `inject ${p.label}`);
      return preset && node
        ? confirmInject(connection, preset, node)
        : confirmScenario(connection, s!, members);
    },
  };
}

/** `A`: the confirmation of reverting every fault cluster-wide and stopping the drill. */
export function confirmAbort(connection: FleetConnection, chaos: ChaosData): Mode {
  const here = chaos.status?.active_faults.length ?? 0;
  return {
    kind: 'confirm',
    question: `abort all chaos: revert every fault cluster-wide (${here} on this node) and stop the running drill? (y/n)`,
    run: async () => {
      const r = await connection.call('chaos.abort', {});
      const drill = r.drill_aborted ? `, drill ${r.drill_aborted} stopped` : '';
      const lost = r.unreachable?.length ? `; unreachable: ${r.unreachable.join(', ')}` : '';
      return `abort: ${r.reverted} fault${r.reverted === 1 ? '' : 's'} reverted${drill}${lost}`;
    },
  };
}
