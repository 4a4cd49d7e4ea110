import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { MemberMeta } from '../../shared/cluster.js';
import type { HealthStatus } from '../../shared/health.js';
import { worstStatus } from '../../shared/health.js';
import type { Task } from '../../shared/tasks.js';

/** What this node publishes, rounded so that noise does not become gossip. */
export interface LocalFacts {
  /** aidos version. */
  version: string;
  /** Configured roles. */
  roles: string[];
  /** Agent slots (0 on a node without the worker role). */
  slots: number;
  /** cluster.profile. */
  profile: 'lan' | 'wan';
  /** The node takes no new work: it is stopping, or an operator drained it. */
  draining: () => boolean;
  /** This node's id (to count its own running tasks). */
  nodeId: string;
}

const round = (value: number, step: number) => Math.round(value / step) * step;

/**
 * This node's metadata: load from the OS, running agents from task events, health from check
 * events. Values are rounded (cpu to 0.1, memory to 0.05) so a member republishes (a new
 * incarnation, gossiped to all) only when something an operator or the scheduler cares about moved.
 */
export class LocalMeta {
  private readonly running = new Set<string>();
  private readonly checks = new Map<string, HealthStatus>();
  private storeIdentity = '';

  constructor(private readonly facts: LocalFacts) {}

  /** The store identity, once read. */
  setStore(identity: string): void {
    this.storeIdentity = identity;
  }

  /** Follows a task event; true when this node's running count changed (peers place work by it). */
  task(task: Task): boolean {
    const before = this.running.size;
    if (task.state === 'running' && task.node_id === this.facts.nodeId) this.running.add(task.id);
    else this.running.delete(task.id);
    return this.running.size !== before;
  }

  /** Follows a health check status. */
  check(name: string, status: HealthStatus): void {
    this.checks.set(name, status);
  }

  current(): MemberMeta {
    const cores = Math.max(1, cpus().length);
    const agents = this.running.size;
    return {
      version: this.facts.version,
      roles: this.facts.roles,
      slots: { total: this.facts.slots, free: Math.max(0, this.facts.slots - agents) },
      load: {
        cpu: Number(round((loadavg()[0] ?? 0) / cores, 0.1).toFixed(1)),
        memory: Number(Math.min(1, round(1 - freemem() / totalmem(), 0.05)).toFixed(2)),
        agents,
      },
      health: this.checks.size === 0 ? null : worstStatus([...this.checks.values()]),
      drain: this.facts.draining(),
      store_identity: this.storeIdentity,
      profile: this.facts.profile,
    };
  }
}
