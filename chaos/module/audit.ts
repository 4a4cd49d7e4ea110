import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../daemon/log/logger.js';

/** One audit record: who asked chaos to do what, when, and what came of it. */
export interface AuditRecord {
  /** The operation or event (chaos.inject, chaos.run, chaos.abort, revert, recover). */
  action: string;
  /** Whether the caller presented a valid API token (or none is configured). */
  authenticated?: boolean;
  /** Which configured token it presented (`api.tokens[i] sha256:…`, never the secret), `cluster-key` for a peer, null for none. */
  token?: string | null;
  /** The caller's address (`ip:port`). */
  client?: string;
  /** What it was about (fault kind and target, scenario, run id). */
  subject: Record<string, unknown>;
  /** ok, refused, or an error message. */
  outcome: string;
}

/** Appends audit records to `<data_dir>/chaos/audit.log` (JSON lines) and the daemon log. */
export class AuditLog {
  private readonly path: string;

  constructor(
    dataDir: string,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(join(dataDir, 'chaos'), { recursive: true, mode: 0o700 });
    this.path = join(dataDir, 'chaos', 'audit.log');
  }

  record(r: AuditRecord): void {
    const line = { at: new Date().toISOString(), node: this.nodeId, ...r };
    try {
      appendFileSync(this.path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'chaos audit log write failed');
    }
    this.logger.info({ chaos_audit: line }, `chaos ${r.action}: ${r.outcome}`);
  }
}
