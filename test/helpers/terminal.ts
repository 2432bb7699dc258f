/**
 * A real terminal for a test: a detached tmux session of a given size on a
 * private tmux server (its own socket, no user config), running one command.
 * Keys go in with send-keys; the screen comes back as text with capture-pane;
 * the shell that runs the command prints its exit status on the screen.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let sessions = 0;

/** What the shell prints when the command ends, before the status and a ']'. */
const EXITED = '[exited with ';
/** How long the pane outlives its command at most; close() ends it sooner. */
const PANE_LINGER_S = 600;

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
    // The shell that runs the command prints its exit status, then stays (until close()):
    // tmux may be slow to reap a pane's process (seen as a zombie for 15 s and more), and
    // output written just before a pane's terminal closes may never reach the screen.
    const command = `env ${Object.entries(env).map(([k, v]) => shellWord(`${k}=${v}`)).join(' ')} ${argv.map(shellWord).join(' ')}; echo "${EXITED}$?]"; exec sleep ${PANE_LINGER_S}`;
    terminal.tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), command);
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
   * wrapped joined again: for text longer than a row, or scrolled off.
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
    const screen = await this.waitFor((s) => s.includes(EXITED), timeoutMs).catch((err: Error) => {
      throw new Error(`the command in the terminal did not exit (${this.processes()}): ${err.message}`);
    });
    return Number(screen.slice(screen.lastIndexOf(EXITED) + EXITED.length).match(/^\d+/)?.[0]);
  }

  /** The pane's processes as /proc tells them, for a failure message. */
  private processes(): string {
    const describe = (pid: string): string => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /^(Name|State):/.test(l)).map((l) => l.split(':\t')[1]).join(' ');
        const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
        const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
        return `${pid} ${status} wchan=${wchan}${children.length ? ` [${children.map(describe).join(', ')}]` : ''}`;
      } catch {
        return `${pid} gone`;
      }
    };
    return describe(this.tmux('display-message', '-p', '-t', 'main', '#{pane_pid}').trim());
  }

  /** Ends the tmux server and the command in it. */
  close(): void {
    spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'kill-server'], { timeout: 10_000 });
  }
}
