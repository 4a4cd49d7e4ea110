import type { EventBus } from '../runtime/events.js';
import type { Task } from '../store/types.js';

declare module '../runtime/events.js' {
  interface DaemonEventMap {
    /** A task was accepted or changed state (the client `tasks` topic pushes it). */
    'task.changed': Task;
  }
}

/** Task changes on the daemon's event bus, as the task engine publishes and reads them. */
export class TaskFeed {
  constructor(private readonly events: EventBus) {}

  publish(task: Task): void {
    this.events.emit('task.changed', task);
  }

  subscribe(listener: (task: Task) => void): () => void {
    return this.events.on('task.changed', listener);
  }
}
