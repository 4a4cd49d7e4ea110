import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { chaosActiveFaultSchema } from '../../shared/api/chaos-topic.js';
import type { Leftover } from '../faults/fault.js';

const leftoverSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stopped-process'), pid: z.number(), start_time: z.number() }),
  z.object({ type: z.literal('helper-process'), pid: z.number(), start_time: z.number() }),
  z.object({ type: z.literal('file'), path: z.string() }),
  z.object({ type: z.literal('replica'), mode: z.enum(['lag', 'stop']) }),
  z.object({ type: z.literal('tc-qdisc'), netns: z.string(), device: z.string() }),
  z.object({ type: z.literal('blkio-cgroup'), path: z.string(), back_to: z.string() }),
]);

/** One active fault as the journal keeps it: what status shows, and what outlives the host process. */
export const journalEntrySchema = chaosActiveFaultSchema
  .pick({ id: true, kind: true, target: true, magnitude: true, injected_at: true, deadline_at: true })
  .extend({
    /** What outlives the host process and must be undone on restart. */
    leftovers: z.array(leftoverSchema),
  });
export type JournalEntry = z.infer<typeof journalEntrySchema>;

const fileSchema = z.object({ entries: z.array(journalEntrySchema) });

/**
 * The on-disk list of faults in force on this node (`<data_dir>/chaos/journal.json`), rewritten
 * atomically (temp file + rename) on every change, so a daemon killed mid-fault finds on restart
 * exactly what it must undo.
 */
export class FaultJournal {
  readonly path: string;

  constructor(dataDir: string) {
    const dir = join(dataDir, 'chaos');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, 'journal.json');
  }

  /** Entries on disk; an unreadable journal reads as empty but is reported through `onCorrupt`. */
  read(onCorrupt?: (error: Error) => void): JournalEntry[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    try {
      return fileSchema.parse(JSON.parse(text)).entries;
    } catch (error) {
      onCorrupt?.(error as Error);
      return [];
    }
  }

  write(entries: JournalEntry[]): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ entries }), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}

export type { Leftover };
