import { describe, expect, it, vi } from 'vitest';
import { CancelSource, forwardAbort, NEVER_ABORTED } from '../../src/gateway/cancellation.js';

describe('CancelSource', () => {
  it('calls each listener once, in order, when it aborts', () => {
    const source = new CancelSource();
    const calls: string[] = [];
    source.signal.addEventListener('abort', () => calls.push('a'));
    source.signal.addEventListener('abort', () => calls.push('b'));
    expect(source.signal.aborted).toBe(false);
    source.abort();
    source.abort();
    expect(source.signal.aborted).toBe(true);
    expect(calls).toEqual(['a', 'b']);
  });

  it('forgets a removed listener, and never calls one added after the abort', () => {
    const source = new CancelSource();
    const removed = vi.fn();
    source.addEventListener('abort', removed);
    source.removeEventListener('abort', removed);
    source.abort(new Error('why'));
    const late = vi.fn();
    source.addEventListener('abort', late);
    expect(removed).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
    expect((source.reason as Error).message).toBe('why');
  });
});

describe('forwardAbort', () => {
  it('aborts the target when the source aborts, and not once undone', () => {
    const source = new AbortController();
    const first = new CancelSource();
    forwardAbort(source.signal, first);
    const second = new CancelSource();
    forwardAbort(source.signal, second)();
    source.abort();
    expect(first.aborted).toBe(true);
    expect(second.aborted).toBe(false);
  });

  it('adds nothing to the signal that never aborts', () => {
    const undo = forwardAbort(NEVER_ABORTED, new CancelSource());
    expect(undo).toBe(forwardAbort(NEVER_ABORTED, new CancelSource()));
    expect(NEVER_ABORTED.aborted).toBe(false);
  });
});
