import type { z } from 'zod';
import type { peerLogMessageSchemas } from '../../shared/cluster.js';
import type { Transport } from './transport.js';
import type { PeerMessage } from './types.js';

/** A log proxy message between daemons (shared/cluster.ts). */
export type LogMessage = z.infer<(typeof peerLogMessageSchemas)[number]>;

/** One output line as it crosses the peer link. */
export interface RelayedLine {
  /** stdout, stderr, or log (read back from the owner's file). */
  stream: 'stdout' | 'stderr' | 'log';
  /** The text. */
  text: string;
}

/** Where followed output goes. */
export interface LogSink {
  /** New lines, oldest first. */
  lines(lines: RelayedLine[]): void;
  /** The run on that node is over (or the node no longer runs the task). */
  ended(): void;
}

/** The output of a task on this node, for peers that follow it: calls the sink until it returns its stop. */
export type LogSource = (taskId: string, tail: number, sink: LogSink) => () => void;

/** Following task output across the cluster over /v1/peer (the `cluster.logs` service). */
export interface ClusterLogLink {
  /** Streams a task's output from the node that runs it; returns stop. False when that node is not reachable. */
  follow(nodeId: string, taskId: string, tail: number, sink: LogSink): (() => void) | undefined;
  /** Serves peers' follow requests with this node's own output. */
  serve(source: LogSource): void;
}

/** A follow a peer asked of this node, at most this many per peer. */
const MAX_SERVED_PER_PEER = 64;
/** Lines are batched for this long, and a batch is cut at this many bytes (peer frames are ≤ 1 MiB). */
const FLUSH_MS = 50;
const FLUSH_BYTES = 256 * 1024;
const MAX_LINE = 65_536;

export function isLogMessage(message: { type: string }): message is LogMessage {
  return message.type === 'log-follow' || message.type === 'log-lines' || message.type === 'log-stop';
}

/**
 * The log proxy: an asker sends `log-follow` to the node that owns the run, which answers with
 * batches of `log-lines` from its own live output until the run ends. Output is read only by the
 * node that has it; no node reads another's disk. Messages ride the authenticated peer sessions.
 */
export class PeerLogLink implements ClusterLogLink {
  private nextSub = 1;
  private readonly following = new Map<string, { nodeId: string; sink: LogSink }>();
  private readonly served = new Map<string, () => void>();
  private source: LogSource | undefined;

  constructor(
    private readonly selfId: string,
    private readonly transport: () => Transport | undefined,
    private readonly addressOf: (nodeId: string) => string | undefined,
  ) {}

  private send(nodeId: string, message: LogMessage): boolean {
    const address = this.addressOf(nodeId);
    const transport = this.transport();
    if (!address || !transport) return false;
    // The transport carries any message of peerMessageSchema; SWIM's own type does not list these.
    transport.send(address, message as unknown as PeerMessage);
    return true;
  }

  follow(nodeId: string, taskId: string, tail: number, sink: LogSink): (() => void) | undefined {
    const sub = `s${this.nextSub++}`;
    this.following.set(sub, { nodeId, sink });
    if (!this.send(nodeId, { type: 'log-follow', from: this.selfId, sub, task: taskId, tail })) {
      this.following.delete(sub);
      return undefined;
    }
    return () => {
      if (!this.following.delete(sub)) return;
      this.send(nodeId, { type: 'log-stop', from: this.selfId, sub });
    };
  }

  serve(source: LogSource): void {
    this.source = source;
  }

  /** A log message from a peer (its `from` is the authenticated node). */
  receive(message: LogMessage): void {
    if (message.type === 'log-lines') {
      const entry = this.following.get(message.sub);
      if (!entry || entry.nodeId !== message.from) return;
      if (message.lines.length > 0) entry.sink.lines(message.lines);
      if (message.ended) {
        this.following.delete(message.sub);
        entry.sink.ended();
      }
      return;
    }
    const key = `${message.from}/${message.sub}`;
    if (message.type === 'log-stop') {
      this.served.get(key)?.();
      return;
    }
    this.serveOne(message, key);
  }

  private serveOne(message: Extract<LogMessage, { type: 'log-follow' }>, key: string): void {
    const reply = (lines: RelayedLine[], ended: boolean) =>
      this.send(message.from, { type: 'log-lines', from: this.selfId, sub: message.sub, lines, ended });
    const mine = [...this.served.keys()].filter((k) => k.startsWith(`${message.from}/`)).length;
    if (!this.source || this.served.has(key) || mine >= MAX_SERVED_PER_PEER) {
      reply([], true);
      return;
    }
    let batch: RelayedLine[] = [];
    let bytes = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const flush = (ended: boolean) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (batch.length > 0 || ended) reply(batch, ended);
      batch = [];
      bytes = 0;
    };
    const finish = () => {
      if (done) return;
      done = true;
      this.served.delete(key);
      stop?.();
    };
    let stop: (() => void) | undefined;
    this.served.set(key, () => {
      flush(false);
      finish();
    });
    stop = this.source(message.task, message.tail, {
      lines: (lines) => {
        if (done) return;
        for (const line of lines) {
          const text = line.text.length > MAX_LINE ? line.text.slice(0, MAX_LINE) : line.text;
          batch.push({ stream: line.stream, text });
          bytes += text.length + 32;
          if (batch.length >= 1000 || bytes >= FLUSH_BYTES) flush(false);
        }
        timer ??= setTimeout(() => flush(false), FLUSH_MS);
      },
      ended: () => {
        if (done) return;
        flush(true);
        finish();
      },
    });
    if (done) stop();
  }

  /** A member died or left: its follows of ours end, and ours of it are told it ended. */
  memberGone(nodeId: string): void {
    for (const [key, stop] of [...this.served]) if (key.startsWith(`${nodeId}/`)) stop();
    for (const [sub, entry] of [...this.following])
      if (entry.nodeId === nodeId) {
        this.following.delete(sub);
        entry.sink.ended();
      }
  }

  /** Ends everything (daemon stop). */
  close(): void {
    for (const stop of [...this.served.values()]) stop();
    this.following.clear();
  }
}
