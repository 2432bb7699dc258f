/**
 * Asks every live worker of the node for its part of a view and collects
 * the answers, bounded in time: a worker that is busy or dying leaves its
 * part out rather than holding the operator's request.
 */
import type { PrimaryToWorkerControl } from '../ipc/cluster-protocol.js';

interface Waiting {
  parts: unknown[];
  expected: number;
  done: () => void;
}

export class WorkerGather {
  private readonly waiting = new Map<number, Waiting>();
  private next = 0;

  /** `broadcast` sends to every live worker and says how many it reached. */
  constructor(private readonly broadcast: (message: PrimaryToWorkerControl) => number) {}

  ask(what: 'sessions', timeoutMs: number): Promise<unknown[]> {
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        const w = this.waiting.get(id);
        this.waiting.delete(id);
        resolve(w?.parts ?? []);
      };
      this.waiting.set(id, { parts: [], expected: Number.POSITIVE_INFINITY, done: finish });
      const sent = this.broadcast({ t: 'admin-collect', id, what });
      const w = this.waiting.get(id);
      if (!w) return;
      w.expected = sent;
      if (w.parts.length >= sent) finish();
    });
  }

  /** A worker's part. */
  part(id: number, body: unknown): void {
    const w = this.waiting.get(id);
    if (!w) return;
    w.parts.push(body);
    if (w.parts.length >= w.expected) w.done();
  }
}
