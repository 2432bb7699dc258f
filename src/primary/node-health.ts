/**
 * The node's active health checks, as the primary runs them: one prober per
 * node whatever the number of workers, its targets recomputed from each
 * configuration (start and reload), stopped with the node. Nothing runs,
 * and no store connection is opened, until some server asks for `health:`.
 *
 * Results meet in the shared store, which applies the thresholds and
 * publishes each change to every worker of every node (HEALTH_CHANNEL).
 * Without Redis the store is in-process and the worker's is another one, so
 * the primary passes each change on over the workers' channel itself, and
 * tells a worker that (re)connects what it has judged so far.
 */
import { HealthProber } from './health-prober.js';
import { probeTargets } from './health-targets.js';
import { createStore } from '../state/create-store.js';
import { HEALTH_CHANNEL, type StateStore } from '../state/store.js';
import { REDIS_KEY_PREFIX } from '../config/defaults.js';
import type { StdioServer } from './stdio-server.js';
import type { PingableHost } from './health-probes.js';
import type { GatewayConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';

export class NodeHealth {
  private running: { store: StateStore; prober: HealthProber; unsubscribe: () => void } | undefined;

  constructor(private readonly redisUrl: string | undefined, private readonly stdio: StdioServer, private readonly logger: Logger) {
    stdio.onWorker((port) => {
      if (!this.running || this.running.store.kind === 'redis') return;
      const { prober } = this.running;
      for (const key of prober.keys()) {
        const state = prober.snapshot(key);
        if (state.state !== 'unknown') port.send({ t: 'health', replica: key, state });
      }
    });
  }

  /** Probes exactly what `config` asks for from now on (stdio replicas through the hosts this node runs). */
  apply(config: GatewayConfig): void {
    const targets = probeTargets(config.servers, (server, replica) => this.liveHost(server, replica), this.stdio.calls);
    if (targets.length === 0 && !this.running) return;
    this.start().prober.set(targets);
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    running.prober.stop();
    running.unsubscribe();
    await running.store.close();
  }

  /**
   * A stdio replica's host as a probe reaches it: looked up at each probe,
   * since a reload that changes the server replaces its hosts while the
   * probe loop (same check) carries on.
   */
  private liveHost(server: string, replica: string): PingableHost | undefined {
    const stdio = this.stdio;
    if (!stdio.host(server, replica)) return undefined;
    return {
      status: () => stdio.host(server, replica)?.status() ?? { name: server, state: 'stopped', restarts: 0, invalidLines: 0, generation: 0 },
      call: (worker, id, method, params, group) => stdio.host(server, replica)?.call(worker, id, method, params, group),
    };
  }

  private start(): NonNullable<NodeHealth['running']> {
    if (this.running) return this.running;
    const store = createStore(this.redisUrl, REDIS_KEY_PREFIX);
    const prober = new HealthProber(store, this.logger);
    const unsubscribe =
      store.kind === 'redis'
        ? () => undefined
        : store.subscribe(HEALTH_CHANNEL, (m) => {
            if (m.t === 'health') this.stdio.broadcast({ t: 'health', replica: m.replica, state: m.state });
          });
    this.running = { store, prober, unsubscribe };
    return this.running;
  }
}
