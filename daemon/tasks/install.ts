import { emptyParamsSchema } from '../../shared/protocol.js';
import { summarizeTask } from '../../shared/tasks.js';
import { resolveProfiles } from '../agents/index.js';
import { operation } from '../api/operation.js';
import { taskOperations } from '../api/task-operations.js';
import { provideAgentHealth } from '../health/agent-source.js';
import type { Daemon } from '../runtime/daemon.js';
import type { Task } from '../store/types.js';
import { TaskCanary } from './canary.js';
import { installGateway } from './gateway-install.js';
import { servicesComponent } from './services-component.js';
import { SupervisorLauncher } from './supervisor-launcher.js';
import { TaskFeed } from './task-feed.js';
import { TaskLogReader } from './task-logs.js';
import { TaskService } from './task-service.js';
import { TaskWorker } from './worker.js';

/** Recent tasks sent as the `tasks` snapshot. */
const SNAPSHOT_TASKS = 200;

/** Plugs the task engine into a daemon: worker (when it has the worker role), service, API, pushed events. */
export function installTasks(daemon: Daemon) {
  const { config, store, logger } = daemon;
  const profiles = resolveProfiles(config);
  const feed = new TaskFeed();
  const execLauncher = new SupervisorLauncher(profiles, config.data_dir, config.agents.kill_grace, logger);
  const gateway = installGateway(daemon, execLauncher, () => worker.wake());
  const launcher = gateway?.launcher ?? execLauncher;
  const worker: TaskWorker = new TaskWorker(
    { ...config.tasks, nodeId: config.node_id, slots: config.agents.slots },
    {
      store,
      launcher,
      feed,
      logger,
      storeReady: () => daemon.link.ready,
      storeFailed: (error) => daemon.link.reportFailure(error),
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
  );
  const services = servicesComponent(config, logger);
  const logs = new TaskLogReader(store, execLauncher.logDir, (id) => execLauncher.live(id), feed);

  daemon.operations.push(
    ...taskOperations(service, logs),
    operation({
      name: 'node.info',
      input: emptyParamsSchema,
      handle: async () =>
        daemon.nodeInfo({
          running: worker.runningIds(),
          free_slots: worker.freeSlots,
          services: [...services.supervisor.status(), ...(gateway?.pool.services.status() ?? [])].map(
            (s) => ({ name: s.name, state: s.state, pid: s.pid ?? null, restarts: s.restarts }),
          ),
        }),
    }),
  );
  daemon.topics.tasks = {
    snapshot: async () => store.listTasks({ limit: SNAPSHOT_TASKS }),
    subscribe: (_params, push) => feed.subscribe((task: Task) => push(summarizeTask(task))),
  };
  daemon.topics.logs = {
    snapshot: async (params) => logs.read(params.task_id ?? '', undefined, 200),
    subscribe: (params, push) => logs.follow(params.task_id ?? '', push),
  };
  if (config.roles.includes('worker')) {
    daemon.use(services);
    daemon.use(worker);
    const engine = { feed, worker, service, launcher, services: services.supervisor };
    provideAgentHealth(daemon.health, engine, store, config.agents.kill_grace);
    feed.subscribe((task) => {
      if (task.state === 'running' && task.node_id === config.node_id)
        daemon.health.metrics.claims.inc({ profile: task.profile });
    });
    if (config.health.canary_profile)
      daemon.health.provideCanary(new TaskCanary(service, feed, config.health.canary_profile));
  }
  return { feed, worker, service, launcher, services: services.supervisor, gateways: gateway?.pool };
}
