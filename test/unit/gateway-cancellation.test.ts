import { describe, expect, it } from 'vitest';
import { forwardAbort, LazyAbort, NEVER_ABORTED } from '../../src/gateway/cancellation.js';

describe('LazyAbort', () => {
  it('makes no controller until its signal is read, and the signal aborts with it', () => {
    const cancel = new LazyAbort();
    const signal = cancel.signal;
    expect(signal.aborted).toBe(false);
    cancel.abort();
    expect(signal.aborted).toBe(true);
  });

  it('hands out an aborted signal when the abort came first', () => {
    const cancel = new LazyAbort();
    cancel.abort();
    expect(cancel.signal.aborted).toBe(true);
  });
});

describe('forwardAbort', () => {
  it('aborts the target when the source aborts, and not once undone', () => {
    const source = new AbortController();
    const first = new LazyAbort();
    forwardAbort(source.signal, first);
    const firstSignal = first.signal;
    const second = new LazyAbort();
    forwardAbort(source.signal, second)();
    const secondSignal = second.signal;
    source.abort();
    expect(firstSignal.aborted).toBe(true);
    expect(secondSignal.aborted).toBe(false);
  });

  it('adds nothing to the signal that never aborts', () => {
    const undo = forwardAbort(NEVER_ABORTED, new LazyAbort());
    expect(undo).toBe(forwardAbort(NEVER_ABORTED, new LazyAbort()));
    expect(NEVER_ABORTED.aborted).toBe(false);
  });
});
