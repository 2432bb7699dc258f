/**
 * A real terminal for a test: a detached tmux session of a given size on a
 * private tmux server (its own socket, no user config), running one command.
 * Keys go in with send-keys; the screen comes back as text with capture-pane;
 * the pane stays after the command exits so its exit status can be read.
 */
import { spawnSync } from 'node:child_process';

let sessions = 0;

/** Quotes a word for the POSIX shell tmux runs the command with. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export class Terminal {
  private constructor(private readonly socket: string) {}

  /** Runs `argv` with `env` added to this process's environment, in a columns×rows terminal. */
  static open(argv: readonly string[], env: Record<string, string>, columns = 80, rows = 24): Terminal {
    const socket = `only1mcp-test-${process.pid}-${++sessions}`;
    const terminal = new Terminal(socket);
    const command = `exec env ${Object.entries(env).map(([k, v]) => shellWord(`${k}=${v}`)).join(' ')} ${argv.map(shellWord).join(' ')}`;
    terminal.tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), command, ';', 'set-option', '-t', 'main', 'remain-on-exit', 'on');
    return terminal;
  }

  private tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /** The visible screen, one string per row (trailing spaces trimmed by tmux). */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /**
   * Everything the terminal showed, scrollback included, with the lines it
   * wrapped joined again: for text longer than a row, or pushed up (tmux
   * scrolls a dead pane by a line to say so).
   */
  text(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main').replace(/ +$/gm, '');
  }

  /** Keys by tmux name (`Tab`, `BTab`, `Down`, `Enter`, `q`). */
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Text typed as is, character by character. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', text);
  }

  /** Polls the screen until it shows `what` (bounded); returns that screen, or throws with the last one. */
  async waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = 20_000): Promise<string> {
    const test = typeof what === 'function' ? what : typeof what === 'string' ? (s: string) => s.includes(what) : (s: string) => what.test(s);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the terminal did not show ${String(what)} within ${timeoutMs} ms; it shows:\n${last}`);
  }

  /** The command's exit status once it has exited (bounded wait). */
  async exitStatus(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [dead, status, signal] = this.tmux('display-message', '-p', '-t', 'main', '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}').trim().split('|');
      if (dead === '1') {
        if (status === '') throw new Error(`the command in the terminal was killed by signal ${signal}; it shows:\n${this.text()}`);
        return Number(status);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the command in the terminal did not exit within ${timeoutMs} ms; it shows:\n${this.screen()}`);
  }

  /** Ends the tmux server and the command in it. */
  close(): void {
    spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'kill-server'], { timeout: 10_000 });
  }
}
