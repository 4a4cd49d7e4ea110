import { emptyParamsSchema } from '../../shared/protocol.js';
import { summarizeTask } from '../../shared/tasks.js';
import { resolveProfiles } from '../agents/index.js';
import { operation } from '../api/operation.js';
import type { DaemonModule } from '../runtime/module.js';
import type { Task } from '../store/types.js';
import { provideAgentHealth } from './agent-health.js';
import { TaskCanary } from './canary.js';
import { ClaimGate } from './claim-gate.js';
import { ClusterLogs } from './cluster-logs.js';
import { DrainWatch } from './drain-watch.js';
import { NodeFailover } from './failover.js';
import { installGateway } from './gateway-install.js';
import { operatorRoutes } from './operator-routes.js';
import { poolOperations } from './pool-operations.js';
import { RemoteTaskChanges } from './remote-changes.js';
import { servicesComponent } from './services-component.js';
import { SupervisorLauncher } from './supervisor-launcher.js';
import { TaskFeed } from './task-feed.js';
import { TaskLogReader } from './task-logs.js';
import { taskOperations } from './task-operations.js';
import { TaskService } from './task-service.js';
import { TaskWorker } from './worker.js';

declare module '../runtime/module.js' {
  interface DaemonServices {
    /** Whether an operator drain is in force on this node (the cluster module gossips it). */
    'tasks.drain': { draining(): boolean };
    /** This worker's slots for gossip: `agents.slots` plus the lanes of its gateways that take turns. */
    'tasks.capacity': () => { total: number; free: number };
  }
}

/** Recent tasks sent as the `tasks` snapshot. */
const SNAPSHOT_TASKS = 200;

/**
 * The task engine: the task operations, `node.info`, the `tasks` and `logs` topics, and on a worker
 * node the task worker and the agent services, with their health sources and canary.
 */
export const tasksModule: DaemonModule = {
  name: 'tasks',
  install(ctx) {
    const { config, logger } = ctx;
    const store = ctx.store.tasks;
    const seams = { spawn: ctx.inject.spawner, clock: ctx.inject.clock };
    const profiles = resolveProfiles(config);
    const feed = new TaskFeed(ctx.events);
    // Half a renewal period before the lease lapses: room for the kill, and the node's own
    // self-fence (one period earlier) still comes first while the daemon runs.
    const guardAfter =
      config.tasks.guard_after ?? config.tasks.lease - Math.round(config.tasks.renew_every / 2);
    // A gateway turn the guard cannot abort within half the time left before the lease lapses
    // gets its gateway killed in the other half.
    const guardAbort = Math.max(200, Math.floor((config.tasks.lease - guardAfter) / 2));
    const execLauncher = new SupervisorLauncher(
      profiles,
      config.data_dir,
      config.agents.kill_grace,
      logger,
      seams,
      {
        afterMs: guardAfter,
        abortMs: guardAbort,
      },
    );
    const gate = new ClaimGate({
      dataDir: config.data_dir,
      diskFloorBytes: config.tasks.disk_floor_mb * 1024 * 1024,
      retryBaseMs: config.tasks.retry_base,
      retryMaxMs: config.tasks.retry_max,
    });
    const gateway = installGateway(ctx, execLauncher, () => worker.wake());
    const launcher = gateway?.launcher ?? execLauncher;
    const drain = new DrainWatch(config.node_id, ctx.store.pool, logger, (draining) => {
      if (!draining) worker.wake();
    });
    ctx.provide('tasks.drain', { draining: () => drain.draining });
    const worker: TaskWorker = new TaskWorker(
      {
        nodeId: config.node_id,
        slots: config.agents.slots,
        lease_ms: config.tasks.lease,
        renew_every_ms: config.tasks.renew_every,
        guard_after_ms: guardAfter,
        labels: config.labels,
        poll_interval_ms: config.tasks.poll_interval,
        retention_ms: config.tasks.retention,
        retry_base_ms: config.tasks.retry_base,
        retry_max_ms: config.tasks.retry_max,
      },
      {
        store,
        gate,
        launcher,
        feed,
        logger,
        storeReady: () => ctx.link.ready,
        storeFailed: (error) => ctx.link.reportFailure(error),
        drain,
        peers: () => ctx.optional('cluster.view')?.nodes() ?? [],
        now: () => ctx.inject.clock.now(),
      },
    );
    const service = new TaskService(
      store,
      {
        names: () => launcher.profileNames(),
        defaultProfile: config.agents.default_profile,
        timeoutMs: (name) => profiles.get(name)?.timeoutMs ?? 600_000,
      },
      feed,
      { nodeId: config.node_id, defaultMaxAttempts: config.tasks.default_max_attempts },
      worker,
      () => ctx.store.nodes.listNodes(),
    );
    const services = servicesComponent(config, logger, ctx.events, seams);
    const logs = new TaskLogReader(store, execLauncher.logDir, (id) => execLauncher.live(id), feed);
    const clusterLogs = new ClusterLogs({
      store,
      feed,
      reader: logs,
      live: (id) => execLauncher.live(id),
      link: () => ctx.optional('cluster.logs'),
      selfId: config.node_id,
    });

    // Gateway lanes count as slots of this node wherever slots are shown (node.info, gossip).
    const totalSlots = () => config.agents.slots + (gateway?.pool.capacity() ?? 0);
    const nodeInfo = () =>
      ctx.node.info({
        running: worker.runningIds(),
        slots: config.roles.includes('worker') ? totalSlots() : 0,
        free_slots: config.roles.includes('worker') ? worker.freeSlots : 0,
        services: [...services.supervisor.status(), ...(gateway?.pool.services.status() ?? [])].map((s) => ({
          name: s.name,
          state: s.state,
          pid: s.pid ?? null,
          restarts: s.restarts,
        })),
      });
    ctx.addOperation(
      ...taskOperations(service, logs),
      operation({ name: 'node.info', input: emptyParamsSchema, handle: async () => nodeInfo() }),
      ...poolOperations({
        tasks: store,
        nodes: ctx.store.nodes,
        pool: ctx.store.pool,
        feed,
        member: (id) => ctx.optional('cluster.view')?.node(id),
        selfId: config.node_id,
        now: () => ctx.inject.clock.now(),
      }),
    );
    if (config.roles.includes('api'))
      ctx.addRoute(
        ...operatorRoutes({
          nodeInfo,
          services: services.supervisor,
          runs: () => execLauncher.supervisor.runs(),
          profileOf: (id) => worker.profileOf(id),
          taskLogs: logs,
        }),
      );
    // Changes made here go out to the peers that serve clients; theirs come back as ids to read.
    const remote = new RemoteTaskChanges(store);
    feed.subscribe((task) => ctx.optional('cluster.tasks')?.announce(task.id));
    let offRemote: (() => void) | undefined;
    ctx.use({
      name: 'remote-task-changes',
      start: async () => {
        offRemote = ctx.optional('cluster.tasks')?.onChanged((ids) => remote.changed(ids));
      },
      stop: async () => offRemote?.(),
    });
    ctx.addTopic('tasks', {
      snapshot: async () => store.listTasks({ limit: SNAPSHOT_TASKS }),
      subscribe: (_params, push) => {
        const send = (task: Task) => push(summarizeTask(task));
        const offLocal = feed.subscribe(send);
        const offPeers = remote.subscribe(send);
        return () => {
          offLocal();
          offPeers();
        };
      },
    });
    ctx.addTopic('logs', {
      snapshot: async (params) => logs.read(params.task_id ?? '', undefined, 200),
      subscribe: (params, push) => clusterLogs.follow(params.task_id ?? '', push),
    });
    const failover = new NodeFailover({
      store,
      feed,
      logger,
      selfId: config.node_id,
      guardAfterMs: guardAfter,
      storeReady: () => ctx.link.ready,
      storeFailed: (error) => ctx.link.reportFailure(error),
    });
    ctx.events.on('cluster.member', (node) => {
      failover.member(node);
      if (!node.self) worker.peerChanged();
    });
    ctx.use({ name: 'failover', start: async () => {}, stop: async () => failover.stop() });
    if (config.roles.includes('worker'))
      ctx.use({
        name: 'log-proxy',
        start: async () => ctx.optional('cluster.logs')?.serve(clusterLogs.source()),
        stop: async () => {},
      });
    if (!config.roles.includes('worker')) return;
    // Without gateways gossip keeps counting `agents.slots` less the tasks running here.
    if (gateway)
      ctx.provide('tasks.capacity', () => ({
        total: totalSlots(),
        free: worker.freeSlots,
      }));
    ctx.use(services);
    ctx.use(worker);
    ctx.events.on('store.change', () => {
      if (ctx.link.ready) worker.storeUp();
    });
    const engine = { worker, services: services.supervisor };
    ctx.events.on('service.restart', (e) =>
      ctx.metrics.agentRestarts.inc({ kind: 'service', name: e.service }),
    );
    feed.subscribe((task) => {
      if (task.state === 'running' && task.node_id === config.node_id)
        ctx.metrics.claims.inc({ profile: task.profile });
    });
    const health = ctx.optional('health');
    if (!health) return;
    provideAgentHealth(health, engine, store, config.agents.kill_grace);
    health.add(gate.healthCheck());
    if (config.health.canary_profile)
      health.provideCanary(new TaskCanary(service, feed, config.health.canary_profile));
  },
};
