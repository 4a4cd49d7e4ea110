import { randomFillSync } from 'node:crypto';

/** Random bytes drawn ahead: one system call per 682 ids instead of one per id (a submit burst makes thousands). */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += bytes;
  return pool.toString('hex', offset - bytes, offset);
}

/** A time-sortable unique id with a readable prefix, e.g. `t_0mhx2k9z1a_3f9c1e7b2d`. */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomHex(6)}`;
}
