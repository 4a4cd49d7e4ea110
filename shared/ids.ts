import { randomBytes } from 'node:crypto';

/** A time-sortable unique id with a readable prefix, e.g. `t_0mhx2k9z1a_3f9c1e7b2d`. */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}
