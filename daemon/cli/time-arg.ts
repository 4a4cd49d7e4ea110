import { InvalidArgumentError } from 'commander';
import { DurationError, parseDuration } from '../../shared/duration.js';

/**
 * Parses --run-after: `+10m` (from now), a date `2026-12-24` (local midnight), a local date-time
 * `2026-12-24 18:30` / `2026-12-24T18:30:00`, or an ISO 8601 time with a zone. Returns epoch ms.
 */
export function parseWhen(flag: string, value: string, now = Date.now()): number {
  const text = value.trim();
  if (text.startsWith('+')) {
    try {
      return now + parseDuration(text.slice(1));
    } catch (error) {
      if (error instanceof DurationError) throw new InvalidArgumentError(`${flag}: ${error.message}`);
      throw error;
    }
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  const ms = local
    ? new Date(
        Number(local[1]),
        Number(local[2]) - 1,
        Number(local[3]),
        Number(local[4] ?? 0),
        Number(local[5] ?? 0),
        Number(local[6] ?? 0),
      ).getTime()
    : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError(
      `${flag}: "${value}" is not a time (use +10m, 2026-12-24, "2026-12-24 18:30" or an ISO 8601 time)`,
    );
  return ms;
}
