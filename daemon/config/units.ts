import { z } from 'zod';
import { parseDuration } from '../../shared/duration.js';

/**
 * A config duration as milliseconds, by the project-wide rule of shared/duration.ts: units always,
 * a bare number refused (no config key names its unit).
 */
export const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** host:port with a port in 0..65535; IPv6 hosts in brackets. */
export const listenAddress = z.string().transform((value, ctx) => {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not HOST:PORT (e.g. 127.0.0.1:7420)` });
    return z.NEVER;
  }
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
});

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const UNIT_BYTES: Record<string, number> = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** A memory size as bytes: a number of MB, or a string like "512MB", "4GB". */
export const memorySize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a positive number of MB' });
      return z.NEVER;
    }
    return Math.round(value * 1024 ** 2);
  }
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB)$/i.exec(value.trim());
  if (!match || Number(match[1]) <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a memory size (use e.g. 512MB, 4GB)` });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * (UNIT_BYTES[(match[2] as string).toUpperCase()] as number));
});
