import type { Logger } from '../log/logger.js';

/**
 * Every daemon-wide event, by name, with its payload type. The runtime declares its own; a module
 * adds its events with declaration merging, so the bus stays typed without the runtime importing
 * any module:
 *
 *   declare module '../runtime/events.js' {
 *     interface DaemonEventMap { 'task.changed': Task }
 *   }
 */
// biome-ignore lint/suspicious/noEmptyInterface: modules (and store-link.ts) merge their events in.
export interface DaemonEventMap {}

/** A name of a daemon event. */
export type DaemonEventName = keyof DaemonEventMap;

/**
 * One typed publish/subscribe bus for the daemon: client topics, metrics and logs subscribe to it.
 * A listener that throws is logged and does not stop the others or the publisher.
 */
export class EventBus<M extends object = DaemonEventMap> {
  private readonly listeners = new Map<keyof M, Set<(payload: never) => void>>();

  constructor(private readonly logger?: Pick<Logger, 'error'>) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof M>(name: K, listener: (payload: M[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  /** Delivers a payload to every current listener of `name`, synchronously, in subscription order. */
  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: M[K]) => void)(payload);
      } catch (error) {
        this.logger?.error({ err: error, event: String(name) }, 'event listener failed');
      }
    }
  }

  /** How many listeners `name` has (for tests and leak checks). */
  listenerCount(name: keyof M): number {
    return this.listeners.get(name)?.size ?? 0;
  }
}
