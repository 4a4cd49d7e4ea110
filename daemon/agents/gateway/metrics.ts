import client from 'prom-client';
import type { GatewayPool } from './pool.js';

/** Gateway figures on /metrics, read from the pool at scrape time (no per-turn work). */
export function registerGatewayMetrics(registry: client.Registry, pool: GatewayPool): void {
  const registers = [registry];
  const perGateway = (name: string, help: string, value: (i: number) => number) =>
    new client.Gauge({
      name,
      help,
      labelNames: ['gateway'],
      registers,
      collect() {
        for (const gw of pool.gateways) this.set({ gateway: gw.name }, value(gw.index));
      },
    });
  const gw = (i: number) => pool.gateways[i] as GatewayPool['gateways'][number];
  perGateway('aidos_gateway_rss_bytes', 'RSS of each gateway process tree', (i) => gw(i).rssBytes);
  perGateway('aidos_gateway_turns_in_flight', 'Turns running on each gateway', (i) => gw(i).inFlight.size);
  perGateway('aidos_gateway_accepting', 'Gateway takes new turns (1) or not (0)', (i) =>
    pool.accepting(gw(i)) ? 1 : 0,
  );
  perGateway(
    'aidos_gateway_event_loop_lag_seconds',
    "Event-loop delay from the gateway's own diagnostics (health RPC)",
    (i) => (gw(i).eventLoopLagMs ?? 0) / 1000,
  );
  new client.Gauge({
    name: 'aidos_gateway_capacity',
    help: 'Turns this host takes in gateway mode now (lanes of accepting gateways)',
    registers,
    collect() {
      this.set(pool.capacity());
    },
  });
  const restarts = new client.Counter({
    name: 'aidos_gateway_restarts_total',
    help: 'Gateway restarts by reason (crash, memory)',
    labelNames: ['gateway', 'reason'],
    registers,
  });
  pool.on('restart', ({ name, reason }) => restarts.inc({ gateway: name, reason }));
}
