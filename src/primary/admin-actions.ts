/**
 * Operators' actions on servers and the configuration: restart, disable,
 * enable, reload. The node that takes one carries it out and publishes it
 * on the store's admin channel, where every other node's primary hears it
 * and does the same; with an in-process store there is one node and no bus.
 *
 * Disabled servers are kept here, in the primary, so a respawned worker is
 * told of them with its configuration; and in the store (with a TTL, as
 * every key), so a node that starts later disables them too.
 */
import { ADMIN_CHANNEL, type BusMessage, type StateStore } from '../state/store.js';
import { ConfigError } from '../config/config-error.js';
import type { Logger } from '../observe/log.js';
import type { AdminAnswer } from '../ipc/cluster-protocol.js';
import type { GatewayConfig } from '../config/model.js';

/** The shared record of disabled servers outlives every node by this much after its last change. */
export const DISABLED_RECORD_TTL_MS = 30 * 24 * 3_600_000;
const DISABLED_KEY = 'admin:disabled';

export type ServerAction = 'restart' | 'disable' | 'enable';

export type ReloadOutcome = { ok: true; generation: number } | { ok: false; error: unknown };

export interface ActionTargets {
  /** Servers the current configuration names. */
  servers(): readonly string[];
  /** Applies the disabled set: their children stop, workers drop their tools (list_changed). */
  applyDisabled(disabled: ReadonlySet<string>): Promise<void>;
  /** Restarts the server's children on this node and tells every worker to reopen its connections. */
  restart(server: string): Promise<void>;
  reload(why: string): Promise<ReloadOutcome>;
}

export class AdminActions {
  readonly disabled = new Set<string>();
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly store: StateStore | undefined, private readonly nodeId: string, private readonly targets: ActionTargets, private readonly logger: Logger) {}

  /** Reads the cluster's disabled servers (a node joining late) and starts hearing other nodes' actions. */
  async start(readyWaitMs: number): Promise<void> {
    const store = this.store;
    if (!store) return;
    this.unsubscribe = store.subscribe(ADMIN_CHANNEL, (m) => void this.heard(m));
    if (!(await store.ready(readyWaitMs))) return;
    const raw = await store.getCached(DISABLED_KEY).catch(() => undefined);
    for (const name of parseNames(raw)) this.disabled.add(name);
    if (this.disabled.size > 0) this.logger.warn({ servers: [...this.disabled] }, 'servers disabled by an operator (admin API) stay disabled');
  }

  /** A server action asked of this node: 404 for a server the configuration does not name. */
  async server(action: ServerAction, server: string): Promise<AdminAnswer> {
    if (!this.targets.servers().includes(server)) return notFound(server);
    await this.apply(action, server);
    this.logger.info({ action, server }, `admin: ${action} ${server}`);
    await this.share({ t: 'admin', action, server, origin: this.nodeId });
    return { status: 202, body: { ok: true, action, server } };
  }

  async reload(): Promise<AdminAnswer> {
    const outcome = await this.targets.reload('admin API');
    await this.share({ t: 'admin', action: 'reload', origin: this.nodeId });
    if (outcome.ok) return { status: 200, body: { ok: true, generation: outcome.generation } };
    return { status: 400, body: { error: reloadError(outcome.error) } };
  }

  close(): void {
    this.unsubscribe();
  }

  private async heard(m: BusMessage): Promise<void> {
    if (m.t !== 'admin' || m.origin === this.nodeId) return;
    try {
      if (m.action === 'reload') await this.targets.reload('admin API on another node');
      else if (m.server !== undefined && this.targets.servers().includes(m.server)) await this.apply(m.action, m.server);
      this.logger.info({ action: m.action, server: m.server, from: m.origin }, `admin: ${m.action}${m.server ? ` ${m.server}` : ''} (asked on another node)`);
    } catch (err) {
      this.logger.error({ action: m.action, server: m.server, err: String(err) }, 'admin: an action asked on another node failed here');
    }
  }

  private async apply(action: ServerAction, server: string): Promise<void> {
    if (action === 'restart') {
      await this.targets.restart(server);
      return;
    }
    const had = this.disabled.has(server);
    if (action === 'disable') this.disabled.add(server);
    else this.disabled.delete(server);
    if (had !== this.disabled.has(server)) await this.targets.applyDisabled(this.disabled);
  }

  /** Tells the other nodes (and records the disabled set for nodes that start later). */
  private async share(message: BusMessage): Promise<void> {
    const store = this.store;
    if (!store) return;
    try {
      if (message.t === 'admin' && message.action !== 'restart' && message.action !== 'reload') {
        await store.setCached(DISABLED_KEY, JSON.stringify([...this.disabled]), DISABLED_RECORD_TTL_MS);
      }
      await store.publish(ADMIN_CHANNEL, message);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'admin: the action was applied on this node, but the store could not pass it on to the others');
    }
  }
}

function parseNames(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  try {
    const value = JSON.parse(raw) as unknown;
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export function notFound(server: string): AdminAnswer {
  return { status: 404, body: { error: { code: 'unknown_server', message: `no server named "${server}" in the configuration` } } };
}

/** A configuration that could not be loaded, with the file, line and key of each problem when it is a ConfigError. */
function reloadError(err: unknown): Record<string, unknown> {
  if (err instanceof ConfigError) {
    return {
      code: 'config_invalid',
      message: err.format(),
      file: err.file,
      line: err.line,
      column: err.column,
      key: err.keyPath.join('.'),
      issues: err.issues.map((i) => ({ file: i.file, line: i.line, column: i.column, key: i.keyPath.join('.'), message: i.message })),
    };
  }
  return { code: 'config_invalid', message: err instanceof Error ? err.message : String(err) };
}

/** The configuration as it runs: servers an operator disabled carry enabled: false (the file is not touched). */
export function withDisabled(config: GatewayConfig, disabled: ReadonlySet<string>): GatewayConfig {
  if (disabled.size === 0) return config;
  return { ...config, servers: config.servers.map((s) => (disabled.has(s.name) ? { ...s, common: { ...s.common, enabled: false } } : s)) };
}
