/**
 * Starts the real gateway (`only1mcp start --foreground`) from the built
 * dist/ on a free port with a config written for the test, and waits until
 * GET /health answers 200 — the readiness contract the README documents.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIST, ROOT, start, waitForHttp, type Proc } from './processes.js';
import { freePort } from './ports.js';

export const CLI = path.join(DIST, 'src', 'cli', 'main.js');
export const FIXTURES = path.join(DIST, 'test', 'fixtures');

export interface Gateway {
  port: number;
  base: string;
  url: string;
  proc: Proc;
  configFile: string;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  workers?: number;
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
  /** A port to use instead of a fresh free one. */
  port?: number;
}

export function tempDir(prefix = 'only1mcp-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startGateway(configYaml: string, options: GatewayOptions = {}): Promise<Gateway> {
  const dir = tempDir();
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, configYaml);
  const port = options.port ?? (await freePort());
  const proc = start(
    process.execPath,
    [CLI, 'start', '--foreground', '--config', configFile, '--port', String(port), '--workers', String(options.workers ?? 1), ...(options.extraArgs ?? [])],
    { ONLY1MCP_ROOT: ROOT, XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir, ...options.env },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health`, proc);
  return { port, base, url: `${base}/mcp`, proc, configFile, stop: () => proc.stop(20_000) };
}

/** A stdio server entry for a config, running a fixture from dist/test/fixtures. */
export function fixtureServer(name: string, script: string, args: string[] = [], extra = ''): string {
  const argv = [path.join(FIXTURES, script), ...args].map((a) => JSON.stringify(a)).join(', ');
  return `  ${name}:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${argv}]\n${extra}`;
}

export function npmServer(name: string, pkg: string, args: string[] = [], extra = ''): string {
  const entry = path.join(ROOT, 'node_modules', pkg, 'dist', 'index.js');
  const argv = [entry, ...args].map((a) => JSON.stringify(a)).join(', ');
  return `  ${name}:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${argv}]\n${extra}`;
}
