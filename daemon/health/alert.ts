import { spawn } from 'node:child_process';
import type { HealthChange, HealthStatus } from '../../shared/health.js';
import { AidosError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { StatusChange } from './types.js';

/** Where status changes are sent. */
export interface AlertOptions {
  /** POSTed a JSON body per change. */
  webhookUrl?: string;
  /** argv of a program run per change (never through a shell); the JSON arrives on stdin. */
  command?: string[];
  /** Only changes to these statuses are sent. */
  statuses: HealthStatus[];
  /** Limit per delivery. */
  timeoutMs: number;
}

/** The JSON an alert receives (also what the `health` topic pushes). */
export type AlertPayload = HealthChange;

export function alertPayload(change: StatusChange): AlertPayload {
  const o = change.result.observation;
  return {
    node_id: change.nodeId,
    check: change.name,
    from: change.from ?? null,
    to: change.to,
    affects: change.affects,
    observed_value: o.observedValue ?? null,
    observed_unit: o.observedUnit ?? null,
    output: o.output ?? null,
    time: new Date(change.result.at).toISOString(),
  };
}

function runCommand(argv: string[], payload: AlertPayload, timeoutMs: number): Promise<void> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      env: {
        ...process.env,
        AIDOS_HEALTH_NODE: payload.node_id,
        AIDOS_HEALTH_CHECK: payload.check,
        AIDOS_HEALTH_FROM: payload.from ?? '',
        AIDOS_HEALTH_STATUS: payload.to,
        AIDOS_HEALTH_OUTPUT: payload.output ?? '',
      },
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2_000) stderr += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new AidosError('internal', `alert command exited ${code ?? signal}: ${stderr.trim()}`));
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(`${JSON.stringify(payload)}\n`);
  });
}

async function postWebhook(url: string, payload: AlertPayload, timeoutMs: number): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new AidosError('internal', `alert webhook answered ${res.status}`);
}

/**
 * Sends status changes to a webhook and/or a command. The first result of a check that passes is
 * not news, so it is not sent. Delivery failures are logged and never affect the checks.
 */
export class AlertHook {
  constructor(
    private readonly options: AlertOptions,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return Boolean(this.options.webhookUrl || this.options.command);
  }

  /** Delivers one change to every configured target; resolves when all have finished. */
  async send(change: StatusChange): Promise<void> {
    if (!this.enabled || !this.options.statuses.includes(change.to)) return;
    if (change.from === undefined && change.to === 'pass') return;
    const payload = alertPayload(change);
    const deliveries: Promise<void>[] = [];
    if (this.options.webhookUrl)
      deliveries.push(postWebhook(this.options.webhookUrl, payload, this.options.timeoutMs));
    if (this.options.command)
      deliveries.push(runCommand(this.options.command, payload, this.options.timeoutMs));
    const settled = await Promise.allSettled(deliveries);
    for (const outcome of settled)
      if (outcome.status === 'rejected')
        this.logger.warn({ err: errorMessage(outcome.reason), check: change.name }, 'health alert failed');
  }
}
