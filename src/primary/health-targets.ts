/**
 * The active health checks a configuration asks for: one probe target per
 * replica of every enabled server that has `health:`. HTTP replicas are
 * pinged over MCP (http-ping.ts) or asked for a health path; stdio replicas
 * are pinged through the host that runs their child in this primary.
 */
import { httpGetProbe, stdioHostPing, type CallCanceller, type PingableHost } from './health-probes.js';
import { httpPingProbe } from './http-ping.js';
import type { ProbeTarget } from './health-prober.js';
import type { ServerConfig } from '../config/model.js';

/**
 * `stdioHost`: the host running a stdio replica's shared child on this node,
 * if any; `calls`: the primary's worker-call table (cancels a ping that
 * timed out).
 */
export function probeTargets(servers: readonly ServerConfig[], stdioHost: (server: string, replicaId: string) => PingableHost | undefined, calls: CallCanceller): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  for (const server of servers) {
    const check = server.common.routing.health;
    if (!check || !server.common.enabled) continue;
    if (server.type === 'stdio') {
      for (const replica of server.replicas) {
        const host = stdioHost(server.name, replica.id);
        if (host) targets.push({ server: server.name, replica: replica.id, check, probe: stdioHostPing(host, calls) });
      }
      continue;
    }
    for (const replica of server.replicas) {
      if (check.type === 'http') {
        targets.push({ server: server.name, replica: replica.id, check, probe: httpGetProbe(replica.url, check.path ?? '/', replica.headers) });
      } else {
        const pinger = httpPingProbe(replica.url, replica.headers, server.common.protocol);
        targets.push({ server: server.name, replica: replica.id, check, probe: pinger.probe, close: pinger.close });
      }
    }
  }
  return targets;
}
