import type { AbortCondition } from '../scenario/schema.js';
import type { AbortRecord } from './report.js';
import type { Sample } from './target.js';

/** Checks the abort conditions on every sample; the first that fires stops the drill. */
export function abortWatch(
  conditions: AbortCondition[],
  external: AbortSignal | undefined,
  stop: () => void,
) {
  let fired: { condition: string; index: number; at: number } | undefined;
  let failingSince: number | null = null;
  const fire = (condition: string, index: number) => {
    if (fired) return undefined;
    fired = { condition, index, at: Date.now() };
    stop();
    return condition;
  };
  const fireManual = () => fire('manual', -1);
  external?.addEventListener('abort', fireManual, { once: true });
  return {
    fireManual,
    /** Returns the condition that fired on this sample, if one did. */
    check(s: Sample): string | undefined {
      if (fired) return undefined;
      failingSince = s.health === 'fail' || s.health === 'down' ? (failingSince ?? s.at) : null;
      for (const [i, c] of conditions.entries()) {
        if (c.when === 'health_fail' && failingSince !== null && s.at - failingSince >= c.for)
          return fire(`health_fail for ${c.for} ms`, i);
        if (c.when === 'tasks_dead' && (s.tasks.dead ?? 0) + (s.tasks.failed ?? 0) > c.above)
          return fire(`tasks_dead above ${c.above}`, i);
        if (c.when === 'queue_age' && s.queue_age_ms !== null && s.queue_age_ms > c.above)
          return fire(`queue_age above ${c.above}`, i);
      }
      return undefined;
    },
    fired: () => fired !== undefined,
    /** Every condition with whether it fired (plus `manual` when the operator aborted). */
    records(names: string[]): AbortRecord[] {
      const out = names.map((condition, i) => ({
        condition,
        fired: fired?.index === i,
        at: fired?.index === i ? fired.at : null,
      }));
      if (fired?.index === -1) out.push({ condition: 'manual', fired: true, at: fired.at });
      return out;
    },
  };
}
