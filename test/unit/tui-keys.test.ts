/** Every key binding of the TUI, as state in, state and effect out (src/tui/keys.ts). */
import { describe, expect, it } from 'vitest';
import { INITIAL_UI, confirmQuestion, onKey, presses, visible, type KeyContext, type KeyPress, type UiState } from '../../src/tui/keys.js';
import { TUI_MAX_FILTER_CHARS } from '../../src/tui/defaults.js';

const ctx: KeyContext = { servers: ['alpha', 'beta', 'gamma'], newest: { requests: 40, logs: 7 } };

/** Presses keys in order from `state`; returns the last state and every effect asked for. */
function press(state: UiState, ...keys: Array<string | KeyPress>) {
  const effects: unknown[] = [];
  for (const k of keys) {
    const r = onKey(state, typeof k === 'string' ? { input: k } : k, ctx);
    state = r.state;
    if (r.effect) effects.push(r.effect);
  }
  return { state, effects };
}

describe('TUI keys', () => {
  it('switches tabs with 1-5, Tab, Shift-Tab and the side arrows, wrapping around', () => {
    expect(press(INITIAL_UI, '2').state.tab).toBe('Servers');
    expect(press(INITIAL_UI, '5').state.tab).toBe('Logs');
    expect(press(INITIAL_UI, { input: '', tab: true }).state.tab).toBe('Servers');
    expect(press(INITIAL_UI, { input: '', tab: true, shift: true }).state.tab).toBe('Logs');
    expect(press(INITIAL_UI, { input: '', rightArrow: true }, { input: '', rightArrow: true }).state.tab).toBe('Requests');
    expect(press(INITIAL_UI, { input: '', leftArrow: true }).state.tab).toBe('Logs');
  });

  it('quits on q and on Ctrl-C', () => {
    expect(press(INITIAL_UI, 'q').effects).toEqual([{ kind: 'quit' }]);
    expect(press(INITIAL_UI, { input: 'c', ctrl: true }).effects).toEqual([{ kind: 'quit' }]);
  });

  it('moves the server selection with the arrows within the list', () => {
    const down = { input: '', downArrow: true };
    const up = { input: '', upArrow: true };
    expect(press(INITIAL_UI, '2', down, down, down, down).state.selected).toBe(2);
    expect(press(INITIAL_UI, '2', down, up, up).state.selected).toBe(0);
  });

  it('asks before restarting, disabling or enabling the selected server, and acts only on y', () => {
    const { state } = press(INITIAL_UI, '2', { input: '', downArrow: true }, 'd');
    expect(state.confirm).toEqual({ server: 'beta', action: 'disable' });
    expect(confirmQuestion(state.confirm!)).toBe('Disable server beta? [y/N]');
    expect(press(state, 'y')).toMatchObject({ effects: [{ kind: 'act', server: 'beta', action: 'disable' }], state: { confirm: undefined, message: 'disable beta: sent…' } });
    expect(press(state, 'n')).toMatchObject({ effects: [], state: { confirm: undefined, message: 'disable beta: cancelled' } });
    // Any other key cancels too: q while asked does not quit.
    expect(press(state, 'q').effects).toEqual([]);
    expect(press(INITIAL_UI, '2', 'r').state.confirm).toEqual({ server: 'alpha', action: 'restart' });
    expect(press(INITIAL_UI, '2', 'e').state.confirm).toEqual({ server: 'alpha', action: 'enable' });
  });

  it('refreshes with r outside the Servers tab, and says so when there is no server to act on', () => {
    expect(press(INITIAL_UI, 'r').effects).toEqual([{ kind: 'refresh' }]);
    expect(press(INITIAL_UI, '3', 'r').effects).toEqual([{ kind: 'refresh' }]);
    expect(onKey({ ...INITIAL_UI, tab: 'Servers' }, { input: 'd' }, { ...ctx, servers: [] }).state.message).toBe('no server to act on');
  });

  it('types a filter after /, where keys are text (q does not quit), Enter keeps it and Esc clears it', () => {
    const typed = press(INITIAL_UI, '3', '/', 'q', '1', 'x', { input: '', backspace: true });
    expect(typed.effects).toEqual([]);
    expect(typed.state).toMatchObject({ tab: 'Requests', editing: 'requests', filter: { requests: 'q1', logs: '' } });
    const kept = press(typed.state, { input: '', return: true });
    expect(kept.state).toMatchObject({ editing: undefined, filter: { requests: 'q1' } });
    expect(press(kept.state, { input: '', escape: true }).state.filter.requests).toBe('');
    expect(press(typed.state, { input: '', escape: true }).state).toMatchObject({ editing: undefined, filter: { requests: '' } });
    // Bounded, and free of control characters.
    const long = press(INITIAL_UI, '5', '/', 'a'.repeat(500), '\u001b[2J').state.filter.logs;
    expect(long).toBe('a'.repeat(TUI_MAX_FILTER_CHARS));
  });

  it('pauses a live list at its newest entry with p and resumes with p again', () => {
    const paused = press(INITIAL_UI, '5', 'p').state;
    expect(paused.pausedAt.logs).toBe(7);
    expect(press(paused, 'p').state.pausedAt.logs).toBeUndefined();
    expect(press(INITIAL_UI, '3', 'p').state.pausedAt.requests).toBe(40);
    // p means nothing on the Overview.
    expect(press(INITIAL_UI, 'p').state.pausedAt).toEqual(INITIAL_UI.pausedAt);
  });

  it('shows entries up to the pause that match the filter, case-insensitive', () => {
    const entries = [1, 2, 3, 4].map((seq) => ({ seq, text: seq % 2 ? 'Tools/Call ok' : 'ping' }));
    const ui: UiState = { ...INITIAL_UI, filter: { requests: 'tools/CALL', logs: '' }, pausedAt: { requests: 3, logs: undefined } };
    expect(visible(entries, ui, 'requests', (e) => e.text).map((e) => e.seq)).toEqual([1, 3]);
  });

  it('scrolls a live list back with up and forward with down, never past the newest', () => {
    const { state } = press(INITIAL_UI, '5', { input: '', upArrow: true }, { input: '', pageUp: true }, { input: '', downArrow: true });
    expect(state.scroll.logs).toBe(10);
    expect(press(state, { input: '', pageDown: true }, { input: '', pageDown: true }).state.scroll.logs).toBe(0);
  });

  it('splits a chunk of typed text into presses, with Enter and Backspace inside it', () => {
    expect(presses('/err\r', {})).toEqual([{ input: '/' }, { input: 'e' }, { input: 'r' }, { input: 'r' }, { input: '', return: true }]);
    expect(presses('ab\u007f', {})).toEqual([{ input: 'a' }, { input: 'b' }, { input: '', backspace: true }]);
    expect(presses('q', {})).toEqual([{ input: 'q' }]);
    expect(presses('', { upArrow: true })).toEqual([{ input: '', upArrow: true }]);
    expect(presses('AB', { shift: true })).toEqual([{ input: 'A' }, { input: 'B' }]);
  });
});
