/**
 * Mounts the TUI on this terminal and gives it back as it was: the alternate
 * screen (so the shell's scrollback is untouched), ink's raw mode and hidden
 * cursor, all undone when the TUI ends by `q`, Ctrl-C, SIGTERM or SIGHUP.
 * Only this file and the components load ink and React, and only once a TTY
 * is known to be there (cli/commands/tui.ts imports this lazily).
 */
import { createElement as h } from 'react';
import { render } from 'ink';
import { App } from './app.js';
import { PollStore } from './poll-store.js';
import type { AdminApi } from './admin-api.js';

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';
/** Frames per second at most: a poll per second never needs more, and keys feel immediate at 20. */
const TUI_MAX_FPS = 20;

export async function runTui(api: AdminApi, intervalMs: number): Promise<void> {
  const stdout = process.stdout;
  const store = new PollStore(api, { intervalMs });
  stdout.write(ENTER_ALTERNATE_SCREEN);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_ALTERNATE_SCREEN + SHOW_CURSOR);
  };
  // A crash must not leave the terminal on the alternate screen without a cursor.
  process.once('exit', restore);
  const instance = render(h(App, { store, base: api.base, intervalMs }), { exitOnCtrlC: false, maxFps: TUI_MAX_FPS });
  const end = () => instance.unmount();
  process.once('SIGTERM', end);
  process.once('SIGHUP', end);
  store.start();
  try {
    await instance.waitUntilExit();
  } finally {
    store.stop();
    process.off('SIGTERM', end);
    process.off('SIGHUP', end);
    process.off('exit', restore);
    restore();
  }
}
