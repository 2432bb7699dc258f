/**
 * Worker side of a stdio backend: the child runs in the primary, this link
 * reaches it over the worker's frame channel (see src/ipc/).
 *
 * One PrimaryChannel per worker multiplexes all stdio backends; each backend
 * gets a StdioLink view of it.
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject, JsonRpcNotification } from '../mcp/jsonrpc.js';
import type { FrameChannel } from '../ipc/frame-channel.js';
import type { BackendStatusWire, PrimaryToWorker, WorkerToPrimary } from '../ipc/stdio-protocol.js';
import { UpstreamRpcError, toRpcError } from './rpc-connection.js';
import { withDeadline } from './deadline.js';
import type { BackendLink, LinkCall, LinkEvents, LinkHooks, LinkStatus } from './link.js';
import type { LogLevel } from '../mcp/versions.js';

const NO_HOOKS: LinkHooks = {
  onNotification: () => undefined,
  onServerRequest: (method) => Promise.reject(new UpstreamRpcError(-32601, `no client call is waiting for ${method}`)),
};

interface Waiting {
  link: StdioLink;
  hooks: LinkHooks;
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
}

/** The worker's end of the channel to the primary, shared by every stdio backend. */
export class PrimaryChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly links = new Map<string, StdioLink>();
  /** The primary's last word on each backend, for a link made after it arrived. */
  private readonly statuses = new Map<string, BackendStatusWire>();

  constructor(private readonly channel: FrameChannel<PrimaryToWorker, WorkerToPrimary>) {
    channel.on('message', (m) => this.onMessage(m));
    channel.on('close', () => {
      const err = new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process closed');
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w.reject(err);
      }
    });
  }

  link(name: string, events: LinkEvents): StdioLink {
    const link = new StdioLink(name, this, events);
    this.links.set(name, link);
    const known = this.statuses.get(name);
    if (known) queueMicrotask(() => this.links.get(name) === link && link.setStatus(known));
    return link;
  }

  unlink(name: string): void {
    this.links.delete(name);
  }

  send(message: WorkerToPrimary): boolean {
    return this.channel.send(message);
  }

  register(waiting: Waiting): number {
    const id = this.nextId++;
    this.waiting.set(id, waiting);
    return id;
  }

  forget(id: number): void {
    this.waiting.delete(id);
  }

  private onMessage(message: PrimaryToWorker): void {
    switch (message.t) {
      case 'result': {
        const w = this.waiting.get(message.id);
        if (!w) return;
        this.waiting.delete(message.id);
        if (message.ge) w.reject(GatewayError.fromWire(message.ge));
        else if (message.e) w.reject(new UpstreamRpcError(message.e.code, message.e.message, message.e.data));
        else w.resolve(message.r ?? {});
        return;
      }
      case 'event': {
        const w = message.rel === undefined ? undefined : this.waiting.get(message.rel);
        if (w) w.hooks.onNotification(message.n);
        else this.links.get(message.b)?.event(message.n);
        return;
      }
      case 'ask': {
        const w = message.rel === undefined ? undefined : this.waiting.get(message.rel);
        const answer = w
          ? w.hooks.onServerRequest(message.m, message.p)
          : Promise.reject(new UpstreamRpcError(-32603, `only1mcp: the call that caused ${message.m} is no longer in flight`));
        answer.then(
          (r) => this.send({ t: 'answer', b: message.b, sid: message.sid, r }),
          (err: unknown) => this.send({ t: 'answer', b: message.b, sid: message.sid, e: toRpcError(err) }),
        );
        return;
      }
      case 'status':
        this.statuses.set(message.s.name, message.s);
        this.links.get(message.s.name)?.setStatus(message.s);
        return;
    }
  }
}

export class StdioLink implements BackendLink {
  private current: LinkStatus = { state: 'starting', identity: undefined, lastError: undefined, generation: 0 };

  constructor(readonly name: string, private readonly channel: PrimaryChannel, private readonly events: LinkEvents) {}

  status(): LinkStatus {
    return this.current;
  }

  async start(): Promise<void> {
    // The primary starts the child and pushes its status; nothing to do here.
  }

  async close(): Promise<void> {
    this.channel.unlink(this.name);
  }

  call(call: LinkCall): Promise<JsonObject> {
    let id = 0;
    const work = new Promise<JsonObject>((resolve, reject) => {
      id = this.channel.register({ link: this, hooks: call.hooks, resolve, reject });
      const message: WorkerToPrimary = { t: 'call', id, b: this.name, m: call.method, g: call.group };
      if (call.params !== undefined) message.p = call.params;
      if (!this.channel.send(message)) {
        this.channel.forget(id);
        reject(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process is closed'));
      }
    });
    return withDeadline(work, call.timeoutMs, call.signal, (reason) => {
      this.channel.forget(id);
      this.channel.send({ t: 'cancel', id, reason });
    }, `${this.name} ${call.method}`);
  }

  /** The primary combines the levels of all workers before it sets the child's. */
  setLogLevel(level: LogLevel | undefined): void {
    this.channel.send({ t: 'level', b: this.name, level: level ?? null });
  }

  subscribe(uri: string): Promise<void> {
    return this.subscription(uri, true);
  }

  unsubscribe(uri: string): Promise<void> {
    return this.subscription(uri, false);
  }

  /** The primary keeps the per-node refcount; this worker only says whether it still needs the URI. */
  private subscription(uri: string, on: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const id = this.channel.register({ link: this, hooks: NO_HOOKS, resolve: () => resolve(), reject });
      if (!this.channel.send({ t: 'sub', id, b: this.name, uri, on })) {
        this.channel.forget(id);
        reject(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process is closed'));
      }
    });
  }

  notify(method: string, params?: JsonObject): void {
    const message: WorkerToPrimary = { t: 'notify', b: this.name, m: method };
    if (params !== undefined) message.p = params;
    this.channel.send(message);
  }

  event(message: JsonRpcNotification): void {
    this.events.onEvent(message);
  }

  setStatus(s: BackendStatusWire): void {
    const identity = s.state === 'ready' && s.era && s.protocolVersion
      ? {
          era: s.era,
          protocolVersion: s.protocolVersion,
          capabilities: s.capabilities ?? {},
          serverInfo: s.serverInfo ?? {},
          instructions: s.instructions,
        }
      : undefined;
    this.current = {
      state: s.state,
      identity,
      lastError: s.lastError,
      generation: s.generation,
      process: { pid: s.pid, restarts: s.restarts, invalidLines: s.invalidLines },
    };
    if (s.stderrTail !== undefined) this.current.stderrTail = s.stderrTail;
    this.events.onStatus(this.current);
  }
}
