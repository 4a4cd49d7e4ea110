/** "3s", "4m", "2h", "5d": how long ago (or how long) in one short word. */
export function age(fromMs: number | null | undefined, nowMs: number): string {
  if (fromMs === null || fromMs === undefined) return '-';
  const s = Math.max(0, Math.round((nowMs - fromMs) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Bytes as "512K", "80M", "1.2G". */
export function bytes(n: number | null): string {
  if (n === null) return '-';
  if (n < 1024 * 1024) return `${Math.round(n / 1024)}K`;
  if (n < 1024 ** 3) return `${Math.round(n / 1024 / 1024)}M`;
  return `${(n / 1024 ** 3).toFixed(1)}G`;
}

/** Text cut or padded to exactly `width` cells (one line, no wrapping). */
export function fitCell(text: string, width: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  if (width <= 0) return '';
  if (flat.length > width) return width > 1 ? `${flat.slice(0, width - 1)}…` : flat.slice(0, width);
  return flat.padEnd(width);
}

/** Health statuses as a bar of ▁ (pass) ▄ (warn) █ (fail). */
export function sparkline(history: readonly string[], width: number): string {
  const marks: Record<string, string> = { pass: '▁', warn: '▄', fail: '█' };
  return history
    .slice(-width)
    .map((s) => marks[s] ?? ' ')
    .join('');
}
