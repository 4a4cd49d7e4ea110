import { EventEmitter } from 'node:events';
import type { Task } from '../store/types.js';

/** In-process stream of task changes that the client WebSocket pushes to subscribers. */
export class TaskFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(task: Task): void {
    this.emitter.emit('task', task);
  }

  subscribe(listener: (task: Task) => void): () => void {
    this.emitter.on('task', listener);
    return () => this.emitter.off('task', listener);
  }
}
