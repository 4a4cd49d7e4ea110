import client from 'prom-client';

// prom-client's default metrics start an event-loop delay monitor (a 10 ms libuv timer) and a GC
// observer that nothing can stop; per daemon, every daemon ever created in a process (tests,
// benchmarks) would keep them running. They describe the process, so the process has one set.
let processRegistry: client.Registry | undefined;
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The daemon's Prometheus metrics on a registry of its own (never the prom-client global, so tests
 * and several daemons in one process do not collide). Counters other modules increment are named
 * hooks here: tasks claims, agent restarts, gossip members and messages.
 */
export class DaemonMetrics {
  /** The daemon's own metrics; /metrics serialises them after the process's default ones. */
  readonly registry = new client.Registry();
  private readonly process: client.Registry | undefined;
  /** Health per check: 0 pass, 1 warn, 2 fail. */
  readonly healthStatus: client.Gauge<'check' | 'affects'>;
  /** Last observed numeric value per check. */
  readonly healthObserved: client.Gauge<'check' | 'unit'>;
  /** Duration of the last run per check. */
  readonly healthDuration: client.Gauge<'check'>;
  /** Tasks in each state (refreshed in the background, not per scrape). */
  readonly tasksByState: client.Gauge<'state'>;
  /** Age of the oldest claimable queued task. */
  readonly queueAge: client.Gauge;
  /** Store connection pool figures (PostgreSQL; SQLite reports a pool of one). */
  readonly storePool: client.Gauge<'figure'>;
  /** Hook: tasks claimed by this node (the task worker increments it). */
  readonly claims: client.Counter<'profile'>;
  /** Hook: agent and service restarts (the supervisor increments it). */
  readonly agentRestarts: client.Counter<'kind' | 'name'>;
  /** Hook: gossip members by state (the cluster module sets it). */
  readonly gossipMembers: client.Gauge<'state'>;
  /** Hook: gossip messages sent and received (the cluster module increments it). */
  readonly gossipMessages: client.Counter<'direction' | 'type'>;
  /** Hook: client WebSocket messages (the API module increments it). */
  readonly clientMessages: client.Counter<'direction'>;

  constructor(options: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}) {
    const registers = [this.registry];
    if (options.labels) this.registry.setDefaultLabels(options.labels);
    if (options.defaultMetrics ?? true) this.process = processMetrics();
    this.healthStatus = new client.Gauge({
      name: 'aidos_health_check_status',
      help: 'Reported status of each health check: 0 pass, 1 warn, 2 fail',
      labelNames: ['check', 'affects'],
      registers,
    });
    this.healthObserved = new client.Gauge({
      name: 'aidos_health_check_observed_value',
      help: 'Last numeric value each health check observed',
      labelNames: ['check', 'unit'],
      registers,
    });
    this.healthDuration = new client.Gauge({
      name: 'aidos_health_check_duration_seconds',
      help: 'How long the last run of each health check took',
      labelNames: ['check'],
      registers,
    });
    this.tasksByState = new client.Gauge({
      name: 'aidos_tasks',
      help: 'Tasks in the store by state',
      labelNames: ['state'],
      registers,
    });
    this.queueAge = new client.Gauge({
      name: 'aidos_queue_oldest_age_seconds',
      help: 'Age of the oldest claimable queued task',
      registers,
    });
    this.storePool = new client.Gauge({
      name: 'aidos_store_pool_connections',
      help: 'Store connection pool: total, idle, waiting, max',
      labelNames: ['figure'],
      registers,
    });
    this.claims = new client.Counter({
      name: 'aidos_task_claims_total',
      help: 'Tasks claimed by this node',
      labelNames: ['profile'],
      registers,
    });
    this.agentRestarts = new client.Counter({
      name: 'aidos_agent_restarts_total',
      help: 'Agent and agent-service restarts',
      labelNames: ['kind', 'name'],
      registers,
    });
    this.gossipMembers = new client.Gauge({
      name: 'aidos_gossip_members',
      help: 'Cluster members by gossip state',
      labelNames: ['state'],
      registers,
    });
    this.gossipMessages = new client.Counter({
      name: 'aidos_gossip_messages_total',
      help: 'Gossip messages by direction and type',
      labelNames: ['direction', 'type'],
      registers,
    });
    this.clientMessages = new client.Counter({
      name: 'aidos_client_messages_total',
      help: 'Client WebSocket messages by direction',
      labelNames: ['direction'],
      registers,
    });
  }

  /** Prometheus text exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    const own = await this.registry.metrics();
    return {
      contentType: this.registry.contentType,
      body: this.process ? `${await this.process.metrics()}${own}` : own,
    };
  }
}
