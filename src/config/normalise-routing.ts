/**
 * The routing and shaping keys of one server entry → their parts of the
 * model: replicas with ids and weights, balancing, health checks, retries,
 * the total bound of a call, and filters. Defaults come from defaults.ts.
 */
import {
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_HEALTHY_THRESHOLD,
  DEFAULT_MAX_CALL_MS,
  DEFAULT_RETRY_ATTEMPTS,
  DEFAULT_RETRY_BUDGET_PERCENT,
  DEFAULT_UNHEALTHY_THRESHOLD,
} from './defaults.js';
import { parseHashKey, replicaId } from './routing-schema.js';
import type { HttpReplicaConfig, RoutingConfig, ShapingConfig, StdioReplicaConfig } from './model.js';
import type { ServerFileEntry } from './server-schema.js';

export function normaliseRouting(s: ServerFileEntry): RoutingConfig {
  const h = s.health;
  const intervalMs = h?.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
  return {
    balance: s.balance ?? 'round-robin',
    hashKey: (s.hashKey === undefined ? undefined : parseHashKey(s.hashKey)) ?? { from: 'session' },
    health:
      h === undefined
        ? undefined
        : {
            type: h.type ?? 'ping',
            path: h.path,
            intervalMs,
            timeoutMs: h.timeoutMs ?? Math.min(DEFAULT_HEALTH_TIMEOUT_MS, intervalMs),
            healthyThreshold: h.healthyThreshold ?? DEFAULT_HEALTHY_THRESHOLD,
            unhealthyThreshold: h.unhealthyThreshold ?? DEFAULT_UNHEALTHY_THRESHOLD,
          },
    retry: {
      attempts: s.retry?.attempts ?? DEFAULT_RETRY_ATTEMPTS,
      budgetPercent: s.retry?.budgetPercent ?? DEFAULT_RETRY_BUDGET_PERCENT,
      idempotentTools: s.retry?.idempotentTools ?? false,
    },
  };
}

/** A call may run at least its idle timeout, whatever the default total says. */
export function resolveMaxCallMs(s: ServerFileEntry, callTimeoutMs: number): number {
  return s.maxCallMs ?? Math.max(DEFAULT_MAX_CALL_MS, callTimeoutMs);
}

/** Enabled replicas in file order; the entry's url as the one replica when it lists none. */
export function httpReplicas(s: ServerFileEntry, url: string | undefined, headers: Readonly<Record<string, string>>): HttpReplicaConfig[] {
  if (!Array.isArray(s.replicas)) return url === undefined ? [] : [{ id: replicaId(url), url, headers, weight: 1 }];
  return s.replicas
    .filter((r) => r.enabled !== false)
    .map((r) => ({ id: replicaId(r.url), url: r.url, headers: { ...headers, ...r.headers }, weight: r.weight ?? 1 }));
}

export function stdioReplicas(s: ServerFileEntry): StdioReplicaConfig[] {
  const count = typeof s.replicas === 'number' ? s.replicas : 1;
  return Array.from({ length: count }, (_, i) => ({ id: String(i + 1), weight: 1 }));
}

export function normaliseShaping(s: ServerFileEntry): ShapingConfig {
  const toolDeny = [...(s.tools?.deny ?? []), ...(s.disabledTools ?? [])];
  return {
    tools: {
      allow: s.tools?.allow,
      deny: [...new Set(toolDeny)],
      rename: { ...s.tools?.rename },
      descriptions: { ...s.tools?.descriptions },
    },
    prompts: { allow: s.prompts?.allow, deny: s.prompts?.deny ?? [] },
    resources: { allow: s.resources?.allow, deny: s.resources?.deny ?? [] },
  };
}
