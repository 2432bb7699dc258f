/**
 * A port can have one gateway (issue 9, findings 1 and 2). uWebSockets.js
 * binds with SO_REUSEPORT, so without a check a second gateway's workers
 * would share a running one's port and split its traffic. Real processes
 * throughout: gateways started by the CLI, a plain TCP listener, a stdio
 * server that never answers.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, FIXTURES, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { start, stopAll, waitForHttp } from '../helpers/processes.js';
import { isolatedEnv, runCliAsync, untilNoneWith } from '../helpers/cli.js';

/** These tests start gateways and CLI processes one after another: generous on a loaded machine. */
const SLOW_TEST_MS = 180_000;

afterAll(stopAll);

function toolboxConfig(dir: string): string {
  const file = path.join(dir, 'gw.yaml');
  fs.writeFileSync(file, `servers:\n  box:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(path.join(FIXTURES, 'toolbox-server.js'))}]\n`);
  return file;
}

const pidFile = (dir: string, port: number) => path.join(dir, 'state', 'only1mcp', `gateway-${port}.pid`);

describe('a taken port', () => {
  it('a second gateway fails at once naming the first, which keeps its port, its traffic and its PID file', async () => {
    const first = tempDir();
    const second = tempDir();
    const port = await freePort();
    const config = toolboxConfig(first);
    const started = await runCliAsync(['start', '--config', config, '--port', String(port), '--workers', '2'], isolatedEnv(first));
    expect(started.stderr).toBe('');
    const firstPid = Number(/only1mcp started \(pid (\d+)\)/.exec(started.stdout)?.[1]);
    expect(firstPid).toBeGreaterThan(0);

    // In the foreground, with a state folder of its own (so no PID file can warn it off).
    const marker = randomUUID();
    const fg = await runCliAsync(['start', '--foreground', '--config', config, '--port', String(port)], isolatedEnv(second, { O1M_TEST_MARKER: marker }));
    expect(fg.code).toBe(1);
    expect(fg.stderr).toContain(`only1mcp: port ${port} on 127.0.0.1 is already in use by another only1mcp gateway (primary pid ${firstPid}, worker pid `);
    expect(fg.stderr).toContain(`stop it with: kill ${firstPid}, or start this one on another port with --port N`);
    expect(await untilNoneWith(marker)).toEqual([]);

    // In the background: refused before anything is launched; no PID file, nothing left running.
    const bg = await runCliAsync(['start', '--config', config, '--port', String(port)], isolatedEnv(second, { O1M_TEST_MARKER: marker }));
    expect(bg.code).toBe(1);
    expect(bg.stderr).toContain(`is already in use by another only1mcp gateway (primary pid ${firstPid}`);
    expect(fs.existsSync(pidFile(second, port))).toBe(false);
    expect(await untilNoneWith(marker)).toEqual([]);

    // Every request still reaches the first gateway's workers.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      await res.arrayBuffer();
      const worker = Number(res.headers.get('x-only1mcp-worker'));
      const stat = fs.readFileSync(`/proc/${worker}/stat`, 'utf8');
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), `worker ${worker} belongs to the first gateway`).toBe(firstPid);
    }
    expect(JSON.parse(fs.readFileSync(pidFile(first, port), 'utf8')).pid).toBe(firstPid);

    // From the first gateway's own state folder, the printed command names itself.
    const again = await runCliAsync(['start', '--config', config, '--port', String(port)], isolatedEnv(first));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`only1mcp is already running on port ${port} (pid ${firstPid}); stop it with: `);
    const stopped = await runCliAsync(['stop', '--port', String(port)], isolatedEnv(first));
    expect(stopped.stdout).toContain(`only1mcp stopped (pid ${firstPid}, port ${port})`);
  }, SLOW_TEST_MS);

  it('a program holding the port: start fails at once naming it, launches nothing, writes no PID file', async () => {
    const dir = tempDir();
    const config = toolboxConfig(dir);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const marker = randomUUID();
    try {
      const bg = await runCliAsync(['start', '--config', config, '--port', String(port)], isolatedEnv(dir, { O1M_TEST_MARKER: marker }));
      expect(bg.code).toBe(1);
      // The holder is this test's own process, found through /proc.
      expect(bg.stderr).toContain(`only1mcp: port ${port} on 127.0.0.1 is already in use by pid ${process.pid} (`);
      expect(bg.stderr).toContain('stop that program, or start on another port with --port N');
      expect(bg.stderr).not.toContain('did not');
      expect(fs.existsSync(pidFile(dir, port))).toBe(false);
      expect(await untilNoneWith(marker)).toEqual([]);

      const fg = await runCliAsync(['start', '--foreground', '--config', config, '--port', String(port)], isolatedEnv(dir, { O1M_TEST_MARKER: marker }));
      expect(fg.code).toBe(1);
      expect(fg.stderr).toContain(`is already in use by pid ${process.pid}`);
      expect(await untilNoneWith(marker)).toEqual([]);

      const status = await runCliAsync(['status', '--port', String(port)], isolatedEnv(dir));
      expect(status.code).toBe(3);
      expect(status.stdout).toContain(`the port is held by pid ${process.pid}`);
    } finally {
      holder.close();
    }
  }, SLOW_TEST_MS);

  it('a background start that is not ready in time is stopped with everything it started', async () => {
    const dir = tempDir();
    const port = await freePort();
    const marker = randomUUID();
    const config = path.join(dir, 'gw.yaml');
    // A server that never answers, with a handshake timeout far beyond the wait; the marker rides its arguments.
    fs.writeFileSync(
      config,
      `servers:\n  mute:\n    command: ${JSON.stringify(process.execPath)}\n    args: ["-e", "setInterval(() => {}, 1000)", ${JSON.stringify(marker)}]\n    connectTimeoutMs: 600000\n`,
    );
    const result = await runCliAsync(['start', '--config', config, '--port', String(port), '--wait', '3'], isolatedEnv(dir, { O1M_TEST_MARKER: marker }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('only1mcp did not start: not ready within 3 s, so it was stopped');
    expect(await untilNoneWith(marker)).toEqual([]);
    expect(fs.existsSync(pidFile(dir, port))).toBe(false);
    // The port is free again: a plain listener can bind it.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    probe.close();
  }, SLOW_TEST_MS);

  it('a gateway removes only its own PID file', async () => {
    const dir = tempDir();
    const port = await freePort();
    const gw = start(process.execPath, [CLI, 'start', '--foreground', '--config', toolboxConfig(dir), '--port', String(port), '--workers', '1'], isolatedEnv(dir));
    await waitForHttp(`http://127.0.0.1:${port}/health`, gw);
    const file = pidFile(dir, port);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(gw.child.pid);
    // Another gateway claimed the file meanwhile (say, after this one's port changed hands).
    const other = JSON.stringify({ pid: process.pid, host: '127.0.0.1', port, config: null });
    fs.writeFileSync(file, other);
    await gw.stop(20_000);
    expect(await gw.exited).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(other);
  }, SLOW_TEST_MS);

  it('without a PID file, stop says which gateway holds the port and how to stop it', async () => {
    const owner = tempDir();
    const stranger = tempDir();
    const port = await freePort();
    const gw = start(process.execPath, [CLI, 'start', '--foreground', '--config', toolboxConfig(owner), '--port', String(port), '--workers', '1'], isolatedEnv(owner));
    await waitForHttp(`http://127.0.0.1:${port}/health`, gw);
    const r = await runCliAsync(['stop', '--port', String(port)], isolatedEnv(stranger));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no only1mcp gateway is running on port ${port} (no PID file); but the port is held by another only1mcp gateway (primary pid ${gw.child.pid}`);
    expect(r.stderr).toContain(`stop it with: kill ${gw.child.pid}`);
    await gw.stop(20_000);
  }, SLOW_TEST_MS);
});
