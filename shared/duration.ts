/**
 * The one duration rule of AIDOS, for config files, AIDOS_* variables, CLI flags and the API: a
 * number with a unit (`500ms`, `30s`, `10m`, `2h`, `7d`, also `1.5h`). A bare number is accepted
 * only where the key's name says the unit (`timeout_s`), because `timeout: 60` meaning 60 ms once
 * killed every agent after 60 ms.
 */

/** Milliseconds per unit. */
export const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A unit a duration can be written in. */
export type DurationUnit = keyof typeof DURATION_UNITS;

/** What the error messages show as valid forms. */
export const DURATION_EXAMPLES = '500ms, 30s, 10m, 2h, 7d';

/** A value that is not a duration; the message is meant to follow the key's name. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration into milliseconds. `bareUnit` is the unit the key's name states (`timeout_s` →
 * `s`); without it a bare number is refused with a message showing how to write it.
 */
export function parseDuration(value: unknown, bareUnit?: DurationUnit): number {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined) throw new DurationError(`must be a duration such as ${DURATION_EXAMPLES}`);
  if (/^\d+(\.\d+)?$/.test(text)) {
    // Zero is the same in every unit, so `drain_delay: 0` is not ambiguous.
    if (Number(text) === 0) return 0;
    if (bareUnit) return Math.round(Number(text) * DURATION_UNITS[bareUnit]);
    throw new DurationError(
      `"${text}" has no unit; write e.g. ${text}s or ${text}ms (units: ms, s, m, h, d)`,
    );
  }
  const match = PATTERN.exec(text);
  if (!match) throw new DurationError(`"${text}" is not a duration (use e.g. ${DURATION_EXAMPLES})`);
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] as DurationUnit]);
}

/** The unit a key's name states (`lease_ms` → ms, `timeout_s` → s), if any. */
export function unitInName(key: string): DurationUnit | undefined {
  const match = /_(ms|s|m|h|d)$/.exec(key);
  return match ? (match[1] as DurationUnit) : undefined;
}

/** Short human form of a duration in ms: 850ms, 12s, 4m10s, 3h05m, 2d04h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return ms < 10_000 ? `${(ms / 1_000).toFixed(1)}s` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/**
 * A duration exactly as it could be written back into the config: the largest unit that divides it
 * (`120000` → `2m`, `1500` → `1500ms`), so `config check` shows `2m` where the file said `2m`.
 */
export function formatDurationExact(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms === 0) return '0s';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit];
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
