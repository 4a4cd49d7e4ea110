import { AidosError } from '../errors.js';
import type { DaemonServices, ServiceName } from './module.js';

/** Typed services one module provides and others require; one provider per name. */
export class ServiceRegistry {
  private readonly services = new Map<ServiceName, { provider: string; service: unknown }>();

  provide<K extends ServiceName>(provider: string, name: K, service: DaemonServices[K]): void {
    const existing = this.services.get(name);
    if (existing)
      throw new AidosError(
        'internal',
        `module ${provider}: service "${String(name)}" is already provided by module ${existing.provider}`,
      );
    this.services.set(name, { provider, service });
  }

  optional<K extends ServiceName>(name: K): DaemonServices[K] | undefined {
    return this.services.get(name)?.service as DaemonServices[K] | undefined;
  }

  require<K extends ServiceName>(consumer: string, name: K): DaemonServices[K] {
    const entry = this.services.get(name);
    if (!entry)
      throw new AidosError(
        'internal',
        `module ${consumer}: needs service "${String(name)}", which no module installed before it provides`,
      );
    return entry.service as DaemonServices[K];
  }
}
