import { formatDuration } from '../../shared/duration.js';

/** How times are shown: the local zone with its offset, or UTC (--utc). */
export interface TimeStyle {
  /** Print in UTC instead of the local zone. */
  utc?: boolean;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `2026-12-01 10:04:05 +01:00` in the local zone, `2026-12-01 09:04:05Z` with --utc. */
export function formatTime(ms: number | null | undefined, style: TimeStyle = {}): string | null {
  if (ms === null || ms === undefined) return null;
  const d = new Date(ms);
  if (style.utc) return `${d.toISOString().replace('T', ' ').slice(0, 19)}Z`;
  const offset = -d.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

/** 512 B, 1.5 KiB, 120 MiB. */
export function formatBytes(bytes: number | null | undefined): string | null {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return null;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[i]}`;
}

/** A duration in ms for a table cell, or null. */
export function formatMs(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : formatDuration(ms);
}
