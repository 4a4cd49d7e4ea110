/**
 * A fault: something done to one target with a magnitude, undone by `revert`. Both are idempotent
 * (a second inject while active, or a revert of a reverted fault, does nothing), so a deadline
 * timer, an abort and a restart may all race to revert it safely.
 */
export interface Fault {
  /** The spec's kind, e.g. `process-pause`. */
  readonly kind: string;
  /** What it acts on, for reports and the audit log (a pid, a path, a proxy, a database). */
  readonly target: string;
  /** How hard, as the spec gave it (e.g. `{ workers: 2, share: 0.8 }`). */
  readonly magnitude: Record<string, unknown>;
  /** True between a successful inject and a revert. */
  readonly active: boolean;
  /** Applies the fault; resolves once it is in effect. */
  inject(): Promise<void>;
  /** Undoes it; resolves once nothing of it is left. */
  revert(): Promise<void>;
  /** What another process needs to undo it after this one died (journaled on disk), if anything outlives it. */
  leftovers(): Leftover[];
  /** Checks from outside that nothing of it is left; returns what still is (empty = clean). */
  verifyReverted(): Promise<string[]>;
  /** Set by the host: called when `leftovers()` grew, before the effect, so the journal is ahead of the world. */
  onLeftovers?: () => void;
}

/** Something a fault leaves in the world that must be undone if its host dies before reverting. */
export type Leftover =
  | {
      /** A stopped process to SIGCONT. */
      type: 'stopped-process';
      /** Its pid. */
      pid: number;
      /** Its /proc start time, so a reused pid is never touched. */
      start_time: number;
    }
  | {
      /** A helper process to SIGKILL (stress workers). */
      type: 'helper-process';
      /** Its pid. */
      pid: number;
      /** Its /proc start time. */
      start_time: number;
    }
  | {
      /** A file to delete (disk fill). */
      type: 'file';
      /** Absolute path. */
      path: string;
    }
  | {
      /** Chaos's tbf qdisc to delete (netns-bandwidth). */
      type: 'tc-qdisc';
      /** The network namespace. */
      netns: string;
      /** The device in it. */
      device: string;
    }
  | {
      /** A blkio cgroup to empty (its processes moved back) and remove (io-throttle). */
      type: 'blkio-cgroup';
      /** Its directory under /sys/fs/cgroup/blkio. */
      path: string;
      /** Where its processes go back to (a directory under /sys/fs/cgroup/blkio). */
      back_to: string;
    }
  | {
      /** The read replica to restore: replay resumed (`lag`) or its server started (`stop`). */
      type: 'replica';
      /** What the fault did to it. */
      mode: 'lag' | 'stop';
    };
