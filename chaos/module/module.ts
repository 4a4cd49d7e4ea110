import type { DaemonModule } from '../../daemon/runtime/module.js';
import { clientAddress } from '../../daemon/server/auth.js';
import { ClusterFaults } from '../cluster/cluster-faults.js';
import { type ChaosTls, chaosTls } from '../cluster/http-json.js';
import { peerCaller } from '../cluster/peer-client.js';
import { peerChaosRoute } from '../cluster/peer-route.js';
import { HttpDrillTarget } from '../drill/http-target.js';
import { message } from '../errors.js';
import type { FaultContext } from '../faults/context.js';
import { ClusterPeerSeam } from '../faults/peer-seam.js';
import { StoreFaults } from '../faults/store-seam.js';
import { FaultHost } from '../host/fault-host.js';
import { FaultProxy } from '../proxy/proxy.js';
import { loadLibrary } from '../scenario/load.js';
import { AuditLog } from './audit.js';
import { DrillRunner } from './drills.js';
import { RunHistory } from './history.js';
import { nodeProcesses } from './node-processes.js';
import { type ChaosOps, chaosOperations, chaosStatus, refuseDisabled } from './operations.js';
import { RunFiles } from './runs.js';
import { startSchedules } from './schedules.js';
import { installChaosTopic } from './topic.js';

// The store decorator of each daemon, by the facets it returned (what that daemon's modules get).
const storeSeams = new WeakMap<object, StoreFaults>();

/**
 * Chaos as a daemon module: a fault host on this node (journal, deadlines, dead man's switch),
 * the fault proxies of `chaos.proxies`, drills of the scenario library one at a time, and the
 * chaos operations. With `chaos.enabled: false` (the default) every injection and drill is refused;
 * status, lists, reports and abort still answer.
 */
export const chaosModule: DaemonModule = {
  name: 'chaos',
  wrap: {
    // Only with chaos on does the store go through the decorator; off, the facets stay the real ones.
    store(facets, config) {
      if (!config.chaos.enabled) return facets;
      const seam = new StoreFaults();
      const wrapped = seam.wrap(facets);
      storeSeams.set(wrapped, seam);
      return wrapped;
    },
  },
  install(ctx) {
    const { config, logger } = ctx;
    const chaos = config.chaos;
    const proxies = new Map(
      Object.entries(chaos.proxies).map(([name, p]) => [
        name,
        new FaultProxy({
          name,
          listenHost: p.listen.host,
          listenPort: p.listen.port,
          upstreamHost: p.upstream.host,
          upstreamPort: p.upstream.port,
        }),
      ]),
    );
    const pg = ctx.store.chaos.chaosFaults();
    const replicaUrl = chaos.replica.url ?? config.store.read_replica_url;
    const replica =
      pg && replicaUrl
        ? {
            control: pg.replicaControl(replicaUrl),
            ...(chaos.replica.stop ? { stop: chaos.replica.stop } : {}),
            ...(chaos.replica.start ? { start: chaos.replica.start } : {}),
          }
        : undefined;
    let seam: ClusterPeerSeam | undefined;
    const peerSeam = () => {
      const faults = ctx.optional('cluster.faults');
      const view = ctx.optional('cluster.view');
      if (!seam && faults && view) seam = new ClusterPeerSeam(faults, view);
      return seam;
    };
    const storeSeam = storeSeams.get(ctx.store);
    const context: FaultContext = {
      nodeId: ctx.node.id,
      listenHost: config.listen.host,
      dataDir: config.data_dir,
      processes: nodeProcesses(ctx.store.tasks, ctx.node.id),
      proxies,
      ...(pg ? { pg } : {}),
      ...(replica ? { replica } : {}),
      ...(storeSeam ? { store: storeSeam } : {}),
      // Asked for at inject time: the cluster module may install after chaos.
      get peers() {
        return peerSeam();
      },
    };
    const host = new FaultHost({
      dataDir: config.data_dir,
      context,
      maxActive: chaos.max_faults,
      controllerLeaseMs: chaos.controller_lease,
      now: () => ctx.inject.clock.now(),
    });
    const audit = new AuditLog(config.data_dir, ctx.node.id, logger);
    host.on('injected', (f) => logger.warn({ fault: f }, 'chaos fault injected'));
    host.on('reverted', (r) =>
      audit.record({
        action: 'revert',
        subject: { id: r.id, kind: r.kind, reason: r.reason },
        outcome: r.left.length || r.errors.length ? `left: ${[...r.left, ...r.errors].join('; ')}` : 'ok',
      }),
    );
    const runs = new RunFiles(config.data_dir);
    const token = config.api.tokens[0];
    // Read when first needed: the cluster module, which reads cluster.ca_file, may install later.
    let tlsTrust: ChaosTls | undefined;
    const tls = () => {
      const dial = ctx.optional('cluster.tls');
      tlsTrust ??= chaosTls({
        clusterTls: dial?.secure ?? config.cluster.tls,
        ...(dial?.ca ? { caPem: dial.ca } : {}),
        ...(config.tls.pem ? { ownCertPem: config.tls.pem.cert } : {}),
      });
      return tlsTrust;
    };
    const target = () =>
      new HttpDrillTarget(ctx.node.id, {
        url: `${tls().selfSecure ? 'https' : 'http'}://${ctx.node.address()}`,
        tls: tls().self,
        postgres: pg !== undefined,
        // Only a node whose peer transport takes faults counts as a cluster for the drills.
        clusterSize: () =>
          peerSeam()
            ? (ctx
                .optional('cluster.view')
                ?.nodes()
                .filter((n) => n.state === 'alive').length ?? 1)
            : 1,
        members: () =>
          (ctx.optional('cluster.view')?.nodes() ?? []).filter((n) => n.state === 'alive').map((n) => n.id),
        ...(token ? { token } : {}),
      });
    const keys = config.cluster.key ? [config.cluster.key, ...config.cluster.accept_keys] : [];
    const call = peerCaller(config.cluster.key ?? '', () => ({
      secure: tls().peersSecure,
      trust: tls().peers,
    }));
    const faults = new ClusterFaults(
      host,
      ctx.node.id,
      (id) => ctx.optional('cluster.view')?.node(id)?.address,
      call,
    );
    // Every other member this node knows, whatever its state: a node the others call dead may be
    // partitioned by a fault of its own, and only a call to it reverts that.
    const peers = () =>
      keys.length > 0 ? (ctx.optional('cluster.view')?.nodes() ?? []).filter((n) => !n.self) : [];
    const drills = new DrillRunner(runs, ctx.store.chaos, ctx.node.id, target, faults, (summary, error) =>
      audit.record({
        action: 'drill.end',
        subject: { run: summary.run_id, scenario: summary.scenario },
        outcome: error ?? summary.verdict,
      }),
    );
    const abortLocal = async () => {
      drills.abort();
      return faults.revertAll('abort');
    };
    ctx.addRoute(
      peerChaosRoute({
        keys,
        host,
        guard: () => refuseDisabled(ops),
        abortLocal,
        audit,
        client: clientAddress,
      }),
    );
    const history = new RunHistory(ctx.store.chaos, runs);
    const ops: ChaosOps = {
      enabled: chaos.enabled,
      protectedNode: chaos.protected,
      nodeId: ctx.node.id,
      host,
      context,
      library: () => loadLibrary(),
      history,
      drills,
      audit,
      abortLocal,
      abortPeers: () =>
        Promise.all(
          peers().map((n) =>
            call<{ reverted: unknown[] }>(n.address, { op: 'abort', origin: ctx.node.id }, 900).then(
              (r) => ({ node: n.id, reverted: r.reverted.length }),
              () => ({ node: n.id, reverted: null }),
            ),
          ),
        ),
    };
    ctx.addOperation(...chaosOperations(ops));
    installChaosTopic(ctx, {
      nodeId: ctx.node.id,
      host,
      drills,
      history,
      status: () => chaosStatus(ops),
    });
    let stopSchedules = () => {};
    ctx.use({
      name: 'chaos',
      start: async () => {
        stopSchedules = startSchedules(chaos.schedules, {
          enabled: chaos.enabled,
          drills,
          library: () => loadLibrary(),
          target,
          logger,
        });
        // A fault journaled by a previous process of this node (killed mid-fault) is undone first.
        const recovered = await host.recover();
        await ctx.store.chaos.failStaleChaosRuns(ctx.node.id, Date.now()).catch(() => 0);
        for (const r of recovered)
          audit.record({
            action: 'recover',
            subject: { id: r.id, kind: r.kind },
            outcome: r.errors.join('; ') || 'ok',
          });
        for (const proxy of proxies.values())
          await proxy
            .start()
            .catch((error) =>
              logger.error({ proxy: proxy.name, err: message(error) }, 'chaos proxy failed to listen'),
            );
      },
      stop: async () => {
        stopSchedules();
        await drills.stop();
        await host.close();
        for (const proxy of proxies.values()) await proxy.close();
      },
    });
  },
};
