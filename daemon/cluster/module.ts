import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import {
  type ClusterNode,
  type MemberMeta,
  nodeIdParamsSchema,
  PEER_LIMITS,
  PEER_SOCKET_PATH,
} from '../../shared/cluster.js';
import { emptyParamsSchema } from '../../shared/protocol.js';
import { operation } from '../api/operation.js';
import { AidosError, errorMessage } from '../errors.js';
import type { ClusterHealthSource } from '../health/providers.js';
import type { DaemonModule } from '../runtime/module.js';
import { ApiError } from '../server/api-error.js';
import { VERSION } from '../version.js';
import { NetworkFaults } from './faults.js';
import { LocalMeta } from './local-meta.js';
import { type ClusterLogLink, isLogMessage, PeerLogLink } from './log-link.js';
import { clusterMetrics } from './metrics.js';
import { advertisedParams, PROFILES } from './params.js';
import { Keyring } from './peer-auth.js';
import { Swim } from './swim.js';
import { type ClusterTaskLink, isTaskChangedMessage, PeerTaskLink } from './task-link.js';
import { type Transport, withSideChannels } from './transport.js';
import { type ClusterView, SwimClusterView } from './view.js';
import { WsTransport } from './ws-transport.js';

declare module '../runtime/module.js' {
  interface DaemonServices {
    /** Who is in the cluster, how loaded and healthy (placement, health, the agent pool). */
    'cluster.view': ClusterView;
    /** Following a task's output on the node that runs it, over /v1/peer. */
    'cluster.logs': ClusterLogLink;
    /** Telling the members that serve clients which tasks this node changed, over /v1/peer. */
    'cluster.tasks': ClusterTaskLink;
    /** The peer transport's fault seam (chaos `network`); only on a node with a cluster key. */
    'cluster.faults': NetworkFaults;
    /** How peers are dialled: wss/https or not, and the extra CA of cluster.ca_file (PEM). */
    'cluster.tls': { secure: boolean; ca?: string };
  }
}

declare module '../runtime/events.js' {
  interface DaemonEventMap {
    /** A member joined, changed state or metadata, or was reaped. */
    'cluster.member': ClusterNode;
  }
}

/** How often this node looks at its own load and health and republishes when they moved. */
const META_EVERY_MS = 5_000;
/** A change in running agents is republished after at most this long (one update per burst). */
const LOAD_GOSSIP_MS = 100;
/** A change of CPU or memory load alone is published at most this often. */
const LOAD_EVERY_MS = 30_000;

/** Metadata without the CPU and memory figures (what must be published at once when it changes). */
function withoutLoad(meta: MemberMeta | null): unknown {
  return meta && { ...meta, load: { agents: meta.load.agents } };
}

/**
 * Cluster membership: SWIM with Lifeguard over /v1/peer, the `cluster.view` and `cluster.health`
 * services, `node.list` / `node.show`, the `nodes` topic and the gossip metrics. Without a cluster
 * key the node stays a cluster of one and accepts no peer.
 */
export const clusterModule: DaemonModule = {
  name: 'cluster',
  install(ctx) {
    const { config, logger } = ctx;
    const cluster = config.cluster;
    const keys = cluster.key ? [cluster.key, ...cluster.accept_keys] : [];
    if (!cluster.key && cluster.join.length > 0)
      throw new AidosError(
        'config',
        'cluster.join: joining a cluster needs cluster.key (or AIDOS_CLUSTER_KEY)',
        {
          field: 'cluster.join',
        },
      );
    let ca: string | undefined;
    if (cluster.ca_file) {
      try {
        ca = readFileSync(cluster.ca_file, 'utf8');
      } catch (cause) {
        throw new AidosError(
          'config',
          `cluster.ca_file: cannot read ${cluster.ca_file} (${errorMessage(cause)})`,
          {
            field: 'cluster.ca_file',
            cause,
          },
        );
      }
    }
    // A daemon serving TLS expects its peers to as well: one cluster, one scheme.
    const secure = cluster.tls || config.tls.pem !== undefined;
    ctx.provide('cluster.tls', { secure, ...(ca ? { ca } : {}) });
    const local = new LocalMeta({
      version: VERSION,
      roles: config.roles,
      slots: config.roles.includes('worker') ? config.agents.slots : 0,
      capacity: () => ctx.optional('tasks.capacity')?.(),
      profile: cluster.profile,
      draining: () => ctx.node.phase() === 'draining' || (ctx.optional('tasks.drain')?.draining() ?? false),
      nodeId: config.node_id,
    });
    // Peers place work by our running count: tell them soon, coalescing a burst into one update.
    let loadTimer: NodeJS.Timeout | undefined;
    ctx.events.on('task.changed', (task) => {
      if (!local.task(task) || loadTimer) return;
      loadTimer = setTimeout(() => {
        loadTimer = undefined;
        republish();
      }, LOAD_GOSSIP_MS);
      loadTimer.unref();
    });
    ctx.events.on('health.change', (change) => local.check(change.name, change.to));

    let identity = '';
    let transport: WsTransport | undefined;
    let swim: Swim | undefined;
    let view: SwimClusterView | undefined;
    const advertised = () => cluster.advertise ?? ctx.node.address();
    const faults = new NetworkFaults();
    if (keys.length > 0) ctx.provide('cluster.faults', faults);

    if (keys.length > 0)
      ctx.addWebSocket({
        path: PEER_SOCKET_PATH,
        maxPayloadBytes: PEER_LIMITS.maxFrameBytes,
        requireToken: false,
        maxConnectionsPerAddress: PEER_LIMITS.connectionsPerAddress,
        // Until the store identity is known this node cannot tell a peer of its cluster from a stranger.
        onConnection: (ws) => (transport ? transport.accept(ws) : ws.close(1013, 'not ready')),
      });

    const selfNode = (): ClusterNode => ({
      id: config.node_id,
      address: advertised(),
      state: 'alive',
      incarnation: 0,
      self: true,
      version: VERSION,
      roles: config.roles,
      slots: local.current().slots,
      load: local.current().load,
      health: local.current().health,
      drain: local.current().drain,
      store_identity: identity || null,
      state_since: ctx.node.startedAt,
      last_seen: null,
    });
    const clusterView: ClusterView = {
      nodes: () => view?.nodes() ?? [selfNode()],
      node: (id) => (view ? view.node(id) : id === config.node_id ? selfNode() : undefined),
      onChange: (listener) => ctx.events.on('cluster.member', listener),
    };
    const health: ClusterHealthSource = {
      required: cluster.join.length > 0,
      members: () =>
        clusterView.nodes().map((n) => ({
          nodeId: n.id,
          address: n.address,
          state: n.state,
          status: n.health,
          lastSeenMs: n.self || n.last_seen === null ? null : Date.now() - n.last_seen,
          self: n.self,
        })),
      lastGossipAgeMs: () => {
        const at = swim?.stats.lastMessageAt;
        return swim && keys.length > 0 ? (at ? Date.now() - at : null) : null;
      },
      storeIdentityAgrees: () => {
        const stores = clusterView
          .nodes()
          .filter((n) => n.state === 'alive' && n.store_identity)
          .map((n) => n.store_identity);
        return stores.length < 2 ? null : stores.every((s) => s === stores[0]);
      },
      joined: () => cluster.join.length === 0 || (swim?.members.others('alive').length ?? 0) > 0,
    };
    ctx.provide('cluster.view', clusterView);
    const logLink = new PeerLogLink(
      config.node_id,
      () => transport,
      (id) => {
        const node = clusterView.node(id);
        return node && !node.self && (node.state === 'alive' || node.state === 'suspect')
          ? node.address
          : undefined;
      },
    );
    ctx.provide('cluster.logs', logLink);
    const taskLink = new PeerTaskLink(
      config.node_id,
      () => transport,
      () =>
        clusterView
          .nodes()
          .filter((n) => !n.self && (n.state === 'alive' || n.state === 'suspect') && n.roles.includes('api'))
          .map((n) => n.address),
    );
    ctx.provide('cluster.tasks', taskLink);
    const sideChannels = (message: { type: string }): boolean => {
      if (isLogMessage(message)) logLink.receive(message);
      else if (isTaskChangedMessage(message)) taskLink.receive(message);
      else return false;
      return true;
    };
    ctx.provide('cluster.health', health);

    ctx.addOperation(
      operation({
        name: 'node.list',
        input: emptyParamsSchema,
        handle: async () => ({ nodes: clusterView.nodes() }),
      }),
      operation({
        name: 'node.show',
        input: nodeIdParamsSchema,
        handle: async ({ id }) => {
          const node = clusterView.node(id);
          if (!node)
            throw new ApiError('not_found', `id: no member ${id} is known to ${config.node_id}`, 'id');
          return { node };
        },
      }),
    );
    ctx.addTopic('nodes', {
      snapshot: async () => clusterView.nodes(),
      subscribe: (_params, push) => ctx.events.on('cluster.member', push),
    });
    const refreshMetrics = clusterMetrics(ctx.metrics, () => swim);

    let metaTimer: NodeJS.Timeout | undefined;
    let lastMeta = '';
    let loadPublishedAt = 0;
    const republish = () => {
      if (!swim) return;
      const meta = local.current();
      const text = JSON.stringify(meta);
      // Every republish is a rumour each member retransmits ~log N times: on a busy host the load
      // average moves every few seconds, so a change of load alone waits LOAD_EVERY_MS (bytes).
      const loadOnly =
        text !== lastMeta &&
        JSON.stringify(withoutLoad(meta)) === JSON.stringify(withoutLoad(JSON.parse(lastMeta || 'null')));
      if (text !== lastMeta && (!loadOnly || Date.now() - loadPublishedAt >= LOAD_EVERY_MS)) {
        lastMeta = text;
        loadPublishedAt = Date.now();
        swim.updateMeta(meta);
      }
      refreshMetrics();
    };

    const begin = async () => {
      if (swim || !ctx.link.ready) return;
      identity = await ctx.store.nodes.storeIdentity();
      if (swim) return;
      local.setStore(identity);
      if (keys.length > 0) {
        transport = new WsTransport({
          nodeId: config.node_id,
          address: advertised(),
          storeIdentity: () => identity,
          keyring: new Keyring(keys),
          secure,
          // The system's CAs and the configured one (`ca` alone would replace the system's).
          ...(ca ? { ca: [...rootCertificates, ca] } : {}),
          faults,
          wrap: (t) => ctx.inject.peerTransport(t),
          logger,
        });
      }
      const meta = local.current();
      lastMeta = JSON.stringify(meta);
      swim = new Swim({
        id: config.node_id,
        meta,
        params: PROFILES[cluster.profile],
        paramsOf: advertisedParams,
        clock: ctx.inject.clock,
        rng: Math.random,
        transport: transport ? withSideChannels(transport, sideChannels) : loneTransport(advertised()),
        // A restart must outrank its earlier life at once; wall-clock seconds only grow.
        incarnation: Math.floor(Date.now() / 1000),
      });
      view = new SwimClusterView(swim);
      view.onChange((node) => {
        if (node.state === 'dead' || node.state === 'left' || node.removed) logLink.memberGone(node.id);
        ctx.events.emit('cluster.member', node);
      });
      swim.start(cluster.join);
      metaTimer = setInterval(republish, META_EVERY_MS);
      metaTimer.unref();
      logger.info(
        { peers: keys.length > 0, join: cluster.join, profile: cluster.profile, store_identity: identity },
        'cluster membership started',
      );
    };
    const tryBegin = () =>
      begin().catch((error) =>
        logger.warn({ err: errorMessage(error) }, 'cluster: store identity not readable yet'),
      );

    ctx.use({
      name: 'cluster',
      start: async () => {
        ctx.events.on('store.change', () => void tryBegin());
        await tryBegin();
      },
      // Leave while the listener still runs, so peers hear it before our sockets close.
      drain: async () => {
        if (metaTimer) clearInterval(metaTimer);
        if (!swim) return;
        swim.leave();
        await new Promise((resolve) => setTimeout(resolve, 200));
      },
      stop: async () => {
        if (metaTimer) clearInterval(metaTimer);
        logLink.close();
        taskLink.close();
        if (loadTimer) clearTimeout(loadTimer);
        swim?.stop();
        await transport?.close();
      },
    });
  },
};

/** A transport to nobody, for a node without a cluster key: it is a cluster of one. */
function loneTransport(address: string): Transport {
  return {
    address,
    stats: { bytesSent: 0, bytesReceived: 0, rejected: {} },
    send: () => {},
    onMessage: () => {},
    onHint: () => {},
    close: async () => {},
  };
}
