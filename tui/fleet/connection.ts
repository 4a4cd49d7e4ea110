import {
  type ChaosTopicChange,
  type ChaosTopicSnapshot,
  chaosTopicChangeSchema,
  chaosTopicSnapshotSchema,
} from '../../shared/api/chaos-topic.js';
import type { OperationInput, OperationResult } from '../../shared/api/operations.js';
import { WsClient } from '../../shared/client/ws-client.js';
import { type HealthChange, healthDocumentSchema } from '../../shared/health.js';
import { type EventFrame, nodeInfoSchema, type OperationName } from '../../shared/protocol.js';
import { type Task, taskSchema } from '../../shared/tasks.js';
import { TuiError } from '../config/tui-error.js';
import { FleetStore } from './fleet-state.js';
import { type NodeRow, nodeRowFromFrame, nodeRowFromInfo } from './node-row.js';

/** Where to connect and how hard to try. */
export interface ConnectionOptions {
  /** Daemon URLs, preferred first; members learned from the Nodes data are added after them. */
  urls: string[];
  /** API token. */
  token?: string;
  /** First reconnect delay (doubles per failure, with jitter). */
  backoffInitialMs?: number;
  /** Longest reconnect delay. */
  backoffMaxMs?: number;
  /** Give up on one connection attempt after this long. */
  openTimeoutMs?: number;
  /** Tasks to hold in total: older pages are fetched once after the snapshot, up to this many. */
  maxTasks?: number;
}

/** A line of a task's output. */
export interface LogLine {
  /** stdout, stderr, or log (read back from the file). */
  stream: string;
  /** The text. */
  text: string;
}

/** What the `chaos` topic pushed: its snapshot, or one change (validated). */
export type ChaosFrame =
  | { kind: 'snapshot'; data: ChaosTopicSnapshot }
  | { kind: 'change'; data: ChaosTopicChange };

/** Callbacks of one followed log. */
export interface LogFollower {
  /** The tail so far (sent again after every reconnect). */
  snapshot(lines: LogLine[], attempt: number, ended: boolean): void;
  /** One new line. */
  line(line: LogLine): void;
}

const PAGE = 1000;

function toHttp(url: string): string {
  return url
    .replace(/^ws/, 'http')
    .replace(/\/+$/, '')
    .replace(/\/v1\/client$/, '');
}

/**
 * The TUI's link to the fleet: one /v1/client WebSocket, subscribed to every topic the daemon has;
 * reconnects with backoff, falls over to other known members, and keeps the store up to date
 * from pushed frames only (node.info is re-read when a pushed change says it moved).
 */
export class FleetConnection {
  /** The state the views render. */
  readonly store: FleetStore;
  private client: WsClient | null = null;
  private urls: string[];
  private token: string | undefined;
  private learned: string[] = [];
  private index = 0;
  private failures = 0;
  private generation = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private infoTimer: NodeJS.Timeout | undefined;
  private nodesTopic = false;
  private follow: { taskId: string; handlers: LogFollower } | null = null;
  private chaos: ((frame: ChaosFrame) => void) | null = null;

  constructor(private readonly options: ConnectionOptions) {
    if (options.urls.length === 0) throw new TuiError('no daemon URL to connect to', { field: '--url' });
    this.urls = options.urls.map(toHttp);
    this.token = options.token;
    this.store = new FleetStore(this.urls[0]!);
  }

  /** Every URL it may try: configured ones first, then members it has seen. */
  get candidates(): string[] {
    return [...new Set([...this.urls, ...this.learned])];
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.generation === 0) void this.connect();
  }

  /** Attaches to another cluster (`:ctx`). */
  switchTarget(urls: string[], token: string | undefined): void {
    this.urls = urls.map(toHttp);
    this.token = token;
    this.learned = [];
    this.index = 0;
    this.failures = 0;
    this.store.reset(this.urls[0]!);
    this.store.event('link', `switching to ${this.urls[0]}`);
    this.drop();
    void this.connect();
  }

  /** Closes for good. */
  stop(): void {
    this.stopped = true;
    this.drop();
  }

  private drop(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.infoTimer);
    this.client?.close();
    this.client = null;
  }

  /** Calls an operation on the attached daemon, typed by the shared operation table. */
  async call<K extends OperationName>(op: K, params?: OperationInput<K>): Promise<OperationResult<K>> {
    if (!this.client) throw new TuiError('not connected to a daemon');
    return this.client.call(op, params);
  }

  /** Follows one task's live output (one at a time; re-subscribed after a reconnect). Returns stop. */
  followLogs(taskId: string, handlers: LogFollower): () => void {
    const previous = this.follow;
    if (previous && this.client)
      void this.client.call('unsubscribe', { topics: ['logs'], task_id: previous.taskId }).catch(() => {});
    const mine = { taskId, handlers };
    this.follow = mine;
    if (this.client) void this.client.subscribe(['logs'], taskId).catch(() => {});
    return () => {
      if (this.follow !== mine) return;
      this.follow = null;
      if (this.client)
        void this.client.call('unsubscribe', { topics: ['logs'], task_id: taskId }).catch(() => {});
    };
  }

  /**
   * Follows the `chaos` topic while the Chaos view is shown (one follower; re-subscribed after a
   * reconnect, whose snapshot replaces what it held). `unavailable` hears why a daemon refused it.
   * Returns stop.
   */
  followChaos(handler: (frame: ChaosFrame) => void, unavailable: (reason: string) => void): () => void {
    const mine = handler;
    this.chaos = mine;
    this.chaosRefused = unavailable;
    if (this.client) this.subscribeChaos(this.client);
    return () => {
      if (this.chaos !== mine) return;
      this.chaos = null;
      if (this.client) void this.client.call('unsubscribe', { topics: ['chaos'] }).catch(() => {});
    };
  }

  private chaosRefused: (reason: string) => void = () => {};

  private subscribeChaos(client: WsClient): void {
    void client.subscribe(['chaos']).catch((error: Error) => this.chaosRefused(error.message));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    const candidates = this.candidates;
    const url = candidates[this.index % candidates.length]!;
    const snap = this.store.getSnapshot();
    this.store.setLink(snap.link === 'connecting' ? 'connecting' : 'stale', url, snap.linkError);
    let client: WsClient;
    try {
      client = new WsClient({ url, ...(this.token ? { token: this.token } : {}) });
    } catch (error) {
      this.failed(url, (error as Error).message);
      return;
    }
    const timeout = setTimeout(() => client.close(), this.options.openTimeoutMs ?? 5_000);
    try {
      await client.opened;
    } catch (error) {
      clearTimeout(timeout);
      if (generation === this.generation) this.failed(url, (error as Error).message);
      return;
    } finally {
      clearTimeout(timeout);
    }
    if (generation !== this.generation) {
      client.close();
      return;
    }
    client.onEvent((frame) => {
      if (generation === this.generation) this.onFrame(frame);
    });
    void client.closed.then(() => {
      if (generation === this.generation && !this.stopped) this.failed(url, 'connection lost');
    });
    // The subscriptions are bounded too: a daemon that never answers one would leave this
    // connection neither live nor failed (closing it rejects what is pending, and retries).
    const handshake = setTimeout(() => client.close(), this.options.openTimeoutMs ?? 5_000);
    try {
      await client.subscribe(['tasks', 'health']);
      this.nodesTopic = await client.subscribe(['nodes']).then(
        () => true,
        () => false,
      );
      this.client = client;
      if (!this.nodesTopic) await this.readNodeInfo(client);
      if (this.follow) await client.subscribe(['logs'], this.follow.taskId);
      if (this.chaos) this.subscribeChaos(client);
    } catch (error) {
      client.close();
      if (generation === this.generation) this.failed(url, (error as Error).message);
      return;
    } finally {
      clearTimeout(handshake);
    }
    this.failures = 0;
    this.store.setLink('live', url);
    this.store.event('link', `attached to ${url}`);
    void this.pageOlderTasks(client, generation);
  }

  private failed(url: string, reason: string): void {
    if (this.stopped) return;
    const wasLive = this.client !== null;
    this.client = null;
    this.generation++;
    this.store.setLink(this.store.getSnapshot().link === 'connecting' ? 'connecting' : 'stale', url, reason);
    if (wasLive) this.store.event('link', `lost ${url}: ${reason}`, 'error');
    // After a drop the same daemon gets one quick retry; every failed attempt then moves on to the
    // next known member, so a dead daemon is replaced by a live one within a lap.
    if (!wasLive) this.index++;
    const initial = this.options.backoffInitialMs ?? 250;
    const max = this.options.backoffMaxMs ?? 5_000;
    const delay = Math.min(max, initial * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures++;
    this.retryTimer = setTimeout(() => void this.connect(), wasLive ? 0 : delay);
  }

  private onFrame(frame: EventFrame): void {
    if (frame.topic === 'tasks') {
      if (frame.kind === 'snapshot') {
        const tasks = Array.isArray(frame.data)
          ? frame.data.filter((t) => taskSchema.safeParse(t).success)
          : [];
        this.store.tasksSnapshot(tasks as Task[]);
        // A daemon sends a fresh snapshot to a client that fell behind (the first one of a
        // connection arrives before `client` is set, and connect() pages after it): read the
        // older pages again.
        if (this.client) void this.pageOlderTasks(this.client, this.generation);
      } else {
        const parsed = taskSchema.safeParse(frame.data);
        if (!parsed.success) return;
        this.store.taskChange(parsed.data);
        if (!this.nodesTopic) this.scheduleNodeInfo();
      }
    } else if (frame.topic === 'health') {
      if (frame.kind === 'snapshot') {
        const doc = healthDocumentSchema.safeParse(frame.data);
        if (doc.success) this.store.healthSnapshot(doc.data);
      } else {
        const c = frame.data as HealthChange;
        if (c && typeof c.check === 'string' && ['pass', 'warn', 'fail'].includes(c.to))
          this.store.healthChange(c);
      }
      if (!this.nodesTopic) this.scheduleNodeInfo();
    } else if (frame.topic === 'nodes') {
      this.applyNodes(frame);
    } else if (frame.topic === 'chaos' && this.chaos) {
      const parsed =
        frame.kind === 'snapshot'
          ? chaosTopicSnapshotSchema.safeParse(frame.data)
          : chaosTopicChangeSchema.safeParse(frame.data);
      if (parsed.success) this.chaos({ kind: frame.kind, data: parsed.data } as ChaosFrame);
    } else if (frame.topic === 'logs' && this.follow) {
      const d = frame.data as { lines?: LogLine[]; attempt?: number; ended?: boolean } & LogLine;
      if (frame.kind === 'snapshot')
        this.follow.handlers.snapshot(d.lines ?? [], d.attempt ?? 0, d.ended ?? false);
      else if (typeof d.text === 'string') this.follow.handlers.line({ stream: d.stream, text: d.text });
    }
  }

  private applyNodes(frame: EventFrame): void {
    const list = frame.kind === 'snapshot' && Array.isArray(frame.data) ? frame.data : [frame.data];
    const rows = list.map(nodeRowFromFrame).filter((r) => r !== undefined);
    const known = frame.kind === 'snapshot' ? [] : this.store.getSnapshot().nodes;
    const merged = known.filter((n) => !rows.some((r) => r.id === n.id));
    for (const { removed, ...row } of rows) if (!removed) merged.push(row);
    merged.sort((a, b) => a.id.localeCompare(b.id));
    this.learn(merged);
    this.store.setNodes(merged, merged.find((n) => n.attached)?.id ?? this.store.getSnapshot().nodeId);
  }

  private learn(nodes: NodeRow[]): void {
    this.learned = nodes
      .filter((n) => n.address && n.state !== 'dead' && n.state !== 'left')
      .map((n) => `http://${n.address}`);
  }

  private scheduleNodeInfo(): void {
    if (this.infoTimer) return;
    // Coalesces a burst of changes into one read, so a busy fleet costs one request per interval.
    this.infoTimer = setTimeout(() => {
      this.infoTimer = undefined;
      if (this.client) void this.readNodeInfo(this.client).catch(() => {});
    }, 300);
  }

  private async readNodeInfo(client: WsClient): Promise<void> {
    const info = nodeInfoSchema.safeParse(await client.call('node.info', {}));
    if (!info.success) return;
    const { health, checks } = this.store.getSnapshot();
    const row = nodeRowFromInfo(info.data, {
      health,
      cpu: checks.get('system:cpu-load')?.value ?? null,
      rss: checks.get('process:rss')?.value ?? null,
    });
    const others = this.store.getSnapshot().nodes.filter((n) => n.id !== row.id && !n.attached);
    this.store.setNodes([row, ...others], row.id);
  }

  private async pageOlderTasks(client: WsClient, generation: number): Promise<void> {
    const max = this.options.maxTasks ?? 10_000;
    let before = [...this.store.getSnapshot().tasks.keys()].sort().at(0);
    while (before && this.store.getSnapshot().tasks.size < max && generation === this.generation) {
      const page = await client.call('task.list', { limit: PAGE, before }).catch(() => undefined);
      if (!page || generation !== this.generation) return;
      this.store.tasksPage(page.tasks);
      before = page.next ?? undefined;
    }
  }
}
