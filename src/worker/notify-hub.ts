/**
 * Fans out change notifications that belong to no request: list changes of
 * the merged catalog, and resource updates to whoever subscribed.
 *
 * Legacy sessions get them on their standalone stream (GET /mcp or /sse);
 * modern clients on the `subscriptions/listen` streams that opted in, each
 * notification tagged with that stream's subscription id.
 */
import type { JsonObject, JsonRpcId, JsonRpcNotification } from '../mcp/jsonrpc.js';
import { META } from '../mcp/versions.js';
import type { ListKind } from '../gateway/catalog.js';
import type { Sessions } from './session/sessions.js';
import type { ProducerStream } from './session/producer-stream.js';
import { countDroppedNotification, UNSCOPED_BACKEND } from '../observe/metrics.js';

export const LIST_CHANGED: Readonly<Record<ListKind, string>> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
  resourceTemplates: 'notifications/resources/list_changed',
};

const FILTER_KEY: Readonly<Record<ListKind, 'toolsListChanged' | 'promptsListChanged' | 'resourcesListChanged'>> = {
  tools: 'toolsListChanged',
  prompts: 'promptsListChanged',
  resources: 'resourcesListChanged',
  resourceTemplates: 'resourcesListChanged',
};

export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

interface Listener {
  id: JsonRpcId;
  filter: ListenFilter;
  stream: ProducerStream;
}

export class NotifyHub {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly sessions: Sessions) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  addListener(id: JsonRpcId, filter: ListenFilter, stream: ProducerStream): () => void {
    const listener: Listener = { id, filter, stream };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `version` names the new list (a digest of its JSON): workers announcing the same list announce it once per session. */
  listChanged(kind: ListKind, version: string): void {
    const method = LIST_CHANGED[kind];
    // resources and resourceTemplates share one notification; send it once.
    if (kind === 'resourceTemplates') return;
    this.sessions.broadcastOnce({ jsonrpc: '2.0', method }, `${method}:${version}`);
    const key = FILTER_KEY[kind];
    for (const l of this.listeners) if (l.filter[key] && !l.stream.send(tagged(method, {}, l.id))) countDroppedNotification(UNSCOPED_BACKEND, method);
  }

  resourceUpdated(params: JsonObject): void {
    const uri = params.uri;
    if (typeof uri !== 'string') return;
    const message: JsonRpcNotification = { jsonrpc: '2.0', method: 'notifications/resources/updated', params };
    this.sessions.broadcast(message as unknown as JsonObject, (s) => s.subscriptions.has(uri));
    for (const l of this.listeners) {
      if (l.filter.resourceSubscriptions?.includes(uri) && !l.stream.send(tagged(message.method, params, l.id))) countDroppedNotification(UNSCOPED_BACKEND, message.method);
    }
  }

  /** Ends every listen stream with its final result (graceful shutdown). */
  closeAll(): void {
    for (const l of this.listeners) {
      l.stream.send({ jsonrpc: '2.0', id: l.id, result: { resultType: 'complete', _meta: { [META.subscriptionId]: l.id } } });
      l.stream.end();
    }
    this.listeners.clear();
  }
}

export function tagged(method: string, params: JsonObject, subscriptionId: JsonRpcId): JsonRpcNotification {
  const meta = typeof params._meta === 'object' && params._meta !== null ? params._meta : {};
  return { jsonrpc: '2.0', method, params: { ...params, _meta: { ...meta, [META.subscriptionId]: subscriptionId } } };
}
