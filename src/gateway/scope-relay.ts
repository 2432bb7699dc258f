/**
 * Relays a client's calls to the worker that holds its backend session.
 *
 * Some backend sessions live in one place: a per-client stdio child in one
 * node's primary, a legacy HTTP+SSE stream held by one worker. A request for
 * that client arriving elsewhere is sent on the holder's bus channel; the
 * holder runs it on its own link and sends back the backend's notifications,
 * its requests to the client (answered through the requester, which holds
 * the client's stream), and the outcome. When nobody listens on the holder's
 * channel (its worker or node is gone), the caller gets OwnerGone and opens
 * a new backend session where it is, telling the client its state was reset.
 */
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcNotification } from '../mcp/jsonrpc.js';
import { isLogLevel } from '../mcp/versions.js';
import { CallDeadline, withDeadline } from '../backends/deadline.js';
import { workerChannel, type BusMessage, type StateStore } from '../state/store.js';
import { CancelSource } from './cancellation.js';
import { fromWireError, wireError } from './wire-error.js';
import { OwnerGone, type LinkCall, type LinkHooks, type ScopedLink, type UpstreamSecrets } from '../backends/link.js';
import type { UpstreamScope } from './upstream-scope.js';
import type { Logger } from '../observe/log.js';

/** How long a relayed operation other than a call (subscribe) may take. */
export const RELAY_OP_TIMEOUT_MS = 30_000;


export type RelayOp = Extract<BusMessage, { t: 'rcall' }>['op'];

interface Waiting {
  owner: string;
  hooks: LinkHooks | undefined;
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
}

/** Finds the link of a scope on this worker (the holder side), on the server's replica `replica`. */
export type LocalScopedLink = (server: string, scope: UpstreamScope, replica: string | undefined) => ScopedLink | undefined;

export class ScopeRelay {
  private readonly waiting = new Map<string, Waiting>();
  /** Operations this worker runs for others, by relay id: their clients may cancel. */
  private readonly running = new Map<string, CancelSource>();
  /** Answers other workers owe us for requests their backends sent: (rid, ask id) → resolver. */
  private readonly asks = new Map<string, { resolve(r: JsonObject): void; reject(e: unknown): void }>();

  /** Relayed calls and asks waiting for another worker (each released on its answer, owner loss or error). */
  get pendingCount(): number {
    return this.waiting.size + this.asks.size;
  }
  private nextAsk = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: StateStore,
    readonly workerId: string,
    private readonly local: LocalScopedLink,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = store.subscribe(workerChannel(workerId), (m) => this.onBus(m));
  }

  /** A call on the holder's link; rejects with OwnerGone when the holder is gone. */
  call(owner: string, server: string, scope: UpstreamScope, call: LinkCall, replica: string): Promise<JsonObject> {
    const rid = randomBytes(9).toString('base64url');
    const message: Extract<BusMessage, { t: 'rcall' }> = { t: 'rcall', rid, replyTo: this.workerId, b: server, ri: replica, scope: scopeWire(scope), op: 'call', m: call.method, g: call.group, timeoutMs: call.timeoutMs };
    if (call.params !== undefined) message.p = call.params;
    if (call.logLevel !== undefined) message.lv = call.logLevel;
    if (call.credentials !== undefined) message.cr = call.credentials as unknown as JsonObject;
    if (call.maxTotalMs !== undefined) message.mt = call.maxTotalMs;
    // Progress relayed from the holder extends this side's deadline as it does the holder's.
    const deadline = new CallDeadline(call.timeoutMs, call.maxTotalMs);
    const work = this.send(owner, message, deadline.watch(call.hooks));
    return withDeadline(work, deadline, call.signal, () => {
      this.waiting.delete(rid);
      void this.store.publish(workerChannel(owner), { t: 'rcancel', rid }).catch(() => undefined);
    }, `${server} ${call.method} (relayed)`);
  }

  /** An operation without a result worth waiting for long (notify, level, release), or a subscription change. */
  op(owner: string, server: string, scope: UpstreamScope, op: Exclude<RelayOp, 'call'>, extra: { m?: string; p?: JsonObject; lv?: string; uri?: string }, replica: string): Promise<void> {
    const rid = randomBytes(9).toString('base64url');
    const work = this.send(owner, { t: 'rcall', rid, replyTo: this.workerId, b: server, ri: replica, scope: scopeWire(scope), op, ...extra }, undefined);
    return withDeadline(work, RELAY_OP_TIMEOUT_MS, undefined, () => this.waiting.delete(rid), `${server} ${op} (relayed)`).then(() => undefined);
  }

  close(): void {
    this.unsubscribe();
    for (const [rid, w] of this.waiting) {
      this.waiting.delete(rid);
      w.reject(new GatewayError('GW_ERR_SHUTTING_DOWN', 'the worker is stopping'));
    }
  }

  private send(owner: string, message: Extract<BusMessage, { t: 'rcall' }>, hooks: LinkHooks | undefined): Promise<JsonObject> {
    const rid = message.rid;
    return new Promise<JsonObject>((resolve, reject) => {
      const settle = () => this.waiting.delete(rid);
      this.waiting.set(rid, { owner, hooks, resolve: (r) => (settle(), resolve(r)), reject: (e) => (settle(), reject(e)) });
      this.store.publish(workerChannel(owner), message).then(
        (receivers) => {
          if (receivers > 0 || !this.waiting.has(rid)) return;
          settle();
          reject(new OwnerGone(owner));
        },
        () => {
          settle();
          reject(new GatewayError('GW_ERR_STATE_UNAVAILABLE', 'this client\'s backend session is held by another gateway worker, and the shared state store cannot be reached to relay to it'));
        },
      );
    });
  }

  private onBus(message: BusMessage): void {
    switch (message.t) {
      case 'rcall':
        void this.serve(message);
        return;
      case 'rcancel':
        this.running.get(message.rid)?.abort();
        return;
      case 'rnote':
        this.waiting.get(message.rid)?.hooks?.onNotification(message.n as unknown as JsonRpcNotification);
        return;
      case 'rask':
        this.answerAsk(message);
        return;
      case 'ranswer': {
        const key = `${message.rid}:${message.aid}`;
        const ask = this.asks.get(key);
        this.asks.delete(key);
        if (!ask) return;
        if (message.e) ask.reject(fromWireError(message.e));
        else ask.resolve(message.r ?? {});
        return;
      }
      case 'rdone': {
        const w = this.waiting.get(message.rid);
        if (!w) return;
        if (message.e) w.reject(fromWireError(message.e));
        else w.resolve(message.r ?? {});
        return;
      }
      default:
        return;
    }
  }

  /** The requester's side of a backend request during a relayed call: its client answers, and the answer goes back to the holder. */
  private answerAsk(message: Extract<BusMessage, { t: 'rask' }>): void {
    const w = this.waiting.get(message.rid);
    if (!w?.hooks) return;
    const owner = w.owner;
    const reply = (m: Extract<BusMessage, { t: 'ranswer' }>) => void this.store.publish(workerChannel(owner), m).catch(() => undefined);
    w.hooks.onServerRequest(message.m, message.p).then(
      (r) => reply({ t: 'ranswer', rid: message.rid, aid: message.aid, r }),
      (err: unknown) => reply({ t: 'ranswer', rid: message.rid, aid: message.aid, e: wireError(err) }),
    );
  }

  /** The holder's side: run the operation on this worker's link and report back. */
  private async serve(message: Extract<BusMessage, { t: 'rcall' }>): Promise<void> {
    const reply = (m: BusMessage) => void this.store.publish(workerChannel(message.replyTo), m).catch(() => undefined);
    const scope = scopeFromWire(message.scope);
    const link = scope ? this.local(message.b, scope, message.ri) : undefined;
    if (!link || !scope) {
      reply({ t: 'rdone', rid: message.rid, e: wireError(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${message.b} is not configured on the worker holding this client's session`)) });
      return;
    }
    try {
      const result = await this.run(message, link, reply);
      reply({ t: 'rdone', rid: message.rid, r: result });
    } catch (err) {
      reply({ t: 'rdone', rid: message.rid, e: wireError(err) });
    }
  }

  private async run(message: Extract<BusMessage, { t: 'rcall' }>, link: ScopedLink, reply: (m: BusMessage) => void): Promise<JsonObject> {
    switch (message.op) {
      case 'call': {
        const cancel = new CancelSource();
        this.running.set(message.rid, cancel);
        const hooks: LinkHooks = {
          onNotification: (n) => reply({ t: 'rnote', rid: message.rid, n: n as unknown as JsonObject }),
          onServerRequest: (m, p) => {
            const aid = this.nextAsk++;
            return new Promise<JsonObject>((resolve, reject) => {
              this.asks.set(`${message.rid}:${aid}`, { resolve, reject });
              reply({ t: 'rask', rid: message.rid, aid, m, ...(p === undefined ? {} : { p }) });
            });
          },
        };
        try {
          return await link.call({
            method: message.m ?? '',
            params: message.p,
            hooks,
            timeoutMs: message.timeoutMs ?? RELAY_OP_TIMEOUT_MS,
            maxTotalMs: message.mt,
            signal: cancel,
            group: message.g ?? link.scope.key,
            logLevel: isLogLevel(message.lv) ? message.lv : undefined,
            credentials: secretsFromWire(message.cr),
          });
        } finally {
          this.running.delete(message.rid);
          for (const key of this.asks.keys()) if (key.startsWith(`${message.rid}:`)) this.asks.delete(key);
        }
      }
      case 'notify':
        link.notify(message.m ?? '', message.p);
        return {};
      case 'level':
        link.setLogLevel(isLogLevel(message.lv) ? message.lv : undefined);
        return {};
      case 'sub':
        await link.subscribe(message.uri ?? '');
        return {};
      case 'unsub':
        await link.unsubscribe(message.uri ?? '');
        return {};
      case 'release':
        await link.release();
        this.logger.debug({ backend: message.b }, 'released a client\'s backend session for another worker');
        return {};
    }
  }
}

function scopeWire(scope: UpstreamScope): JsonObject {
  const wire: JsonObject = { key: scope.key, capabilities: scope.capabilities, signature: scope.signature };
  if (scope.sessionId !== undefined) wire.sessionId = scope.sessionId;
  return wire;
}

function scopeFromWire(wire: JsonObject): UpstreamScope | undefined {
  if (typeof wire.key !== 'string' || typeof wire.signature !== 'string') return undefined;
  return {
    key: wire.key,
    capabilities: isObject(wire.capabilities) ? wire.capabilities : {},
    signature: wire.signature,
    sessionId: typeof wire.sessionId === 'string' ? wire.sessionId : undefined,
  };
}

/** A relayed call's credentials (plain string maps, or nothing). */
function secretsFromWire(wire: JsonObject | undefined): UpstreamSecrets | undefined {
  if (!wire) return undefined;
  const strings = (v: unknown): Record<string, string> => (isObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {});
  return { headers: strings(wire.headers), env: strings(wire.env) };
}
