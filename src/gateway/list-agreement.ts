/**
 * Replicas of one server are one program, so their lists must agree. The
 * gateway fetches a replicated server's lists from every replica that may
 * take calls (src/gateway/replica-routing.ts) and settles them here: the
 * answer most replicas gave is the server's list (a tie goes to the replica
 * first in the config), and a replica that answered otherwise is reported,
 * never merged: a warning once per replica and list until it agrees again,
 * the gauge only1mcp_replica_list_mismatch{server,replica,kind} (1 while it
 * differs), and the admin view (differences()). It stays in rotation: a
 * rolling upgrade makes replicas differ for a while, and taking half of them
 * out would cost more than the difference; calls of a name it lacks fail
 * there with its own error.
 *
 * Compared as JSON with sorted keys, so two runtimes that order fields
 * differently still agree. The cost is one fetch per replica when a list is
 * refreshed (a replica starting, list_changed), shared by the cluster
 * through the list cache; never per call.
 */
import { stableJson } from './upstream-scope.js';
import { replicaListMismatch } from '../observe/metrics.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { Logger } from '../observe/log.js';

export interface ReplicaAnswer {
  readonly replica: string;
  readonly items: JsonObject[];
}

export class ListAgreement {
  /** `server \0 replica` → the lists in which it differs now. */
  private readonly differing = new Map<string, Set<string>>();

  constructor(private readonly logger: Logger) {}

  /** The list the answers agree on; answers come in config order. */
  settle(server: string, kind: string, answers: readonly ReplicaAnswer[]): JsonObject[] {
    if (answers.length === 1) {
      this.agrees(server, answers[0]!.replica, kind);
      return answers[0]!.items;
    }
    const groups = new Map<string, ReplicaAnswer[]>();
    for (const answer of answers) {
      const text = stableJson(answer.items);
      const group = groups.get(text);
      if (group) group.push(answer);
      else groups.set(text, [answer]);
    }
    // Map order is first-seen order, and answers come in config order: the first largest group wins ties.
    let winner: ReplicaAnswer[] = [];
    for (const group of groups.values()) if (group.length > winner.length) winner = group;
    for (const answer of answers) {
      if (winner.includes(answer)) this.agrees(server, answer.replica, kind);
      else this.differs(server, answer, kind, winner);
    }
    return winner[0]!.items;
  }

  /** Replicas of a server whose lists differ now, and in which lists. */
  differences(server: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, kinds] of this.differing) {
      const [s, replica] = key.split('\0') as [string, string];
      if (s === server && kinds.size > 0) out[replica] = [...kinds].sort();
    }
    return out;
  }

  /** The server was removed or reconfigured: what was said of its replicas no longer holds. */
  forget(server: string): void {
    for (const [key, kinds] of this.differing) {
      const [s, replica] = key.split('\0') as [string, string];
      if (s !== server) continue;
      for (const kind of kinds) replicaListMismatch.remove(server, replica, kind);
      this.differing.delete(key);
    }
  }

  private agrees(server: string, replica: string, kind: string): void {
    const kinds = this.differing.get(`${server}\0${replica}`);
    if (!kinds?.delete(kind)) return;
    replicaListMismatch.labels(server, replica, kind).set(0);
    this.logger.info({ backend: server, replica, kind }, `replica ${replica} of ${server} lists the same ${kind} as the others again`);
  }

  private differs(server: string, answer: ReplicaAnswer, kind: string, winner: readonly ReplicaAnswer[]): void {
    const key = `${server}\0${answer.replica}`;
    let kinds = this.differing.get(key);
    if (!kinds) {
      kinds = new Set();
      this.differing.set(key, kinds);
    }
    replicaListMismatch.labels(server, answer.replica, kind).set(1);
    if (kinds.has(kind)) return;
    kinds.add(kind);
    this.logger.warn(
      { backend: server, replica: answer.replica, kind, items: answer.items.length, agreed: winner.map((a) => a.replica), agreedItems: winner[0]!.items.length, ...nameDiff(answer.items, winner[0]!.items) },
      `replica ${answer.replica} of ${server} lists other ${kind} than the replicas that agree (${winner.length} of them): not merged, the agreed list is served; it stays in rotation (logged once until it agrees)`,
    );
  }
}

/** Names a mismatch warning quotes, of each side at most: enough to see what differs, a bounded log line. */
const LIST_DIFF_LOGGED_NAMES = 10;

/** Names (or URIs) one list has and the other lacks, a few of each, for the log line. */
function nameDiff(own: readonly JsonObject[], agreed: readonly JsonObject[]): { only?: string[]; missing?: string[] } {
  const names = (items: readonly JsonObject[]) => new Set(items.map((i) => String(i.name ?? i.uri ?? i.uriTemplate ?? '')));
  const mine = names(own);
  const theirs = names(agreed);
  const only = [...mine].filter((n) => !theirs.has(n)).slice(0, LIST_DIFF_LOGGED_NAMES);
  const missing = [...theirs].filter((n) => !mine.has(n)).slice(0, LIST_DIFF_LOGGED_NAMES);
  return { ...(only.length > 0 ? { only } : {}), ...(missing.length > 0 ? { missing } : {}) };
}
