// Starts the bench fixtures (fixtures/*.mjs) pinned and waits until they listen.
import path from 'node:path';
import { startPinned } from './proc.mjs';
import { FIXTURES } from './paths.mjs';

async function listening(script, args, cpus) {
  const proc = startPinned(process.execPath, [path.join(FIXTURES, script), '--port', '0', ...args], { cpus });
  const [, port] = await proc.waitForLine(/listening (\d+)/);
  return { proc, pid: proc.pid, port: Number(port), url: `http://127.0.0.1:${port}/mcp`, stop: () => proc.stop() };
}

/** The Streamable HTTP fixture backend (2025 era) with `tools` tools. */
export function startHttpFixture({ cpus, tools = 5, name = 'fixture' }) {
  return listening('http-server.mjs', ['--tools', String(tools), '--name', name], cpus);
}

/** The bare uWS server answering every POST with the bytes of `file`. */
export function startBareUws({ cpus, file }) {
  return listening('bare-uws.mjs', ['--file', file], cpus);
}

/** An OTLP/HTTP receiver that only counts what it receives (the tracing scenario's collector). */
export async function startOtlpSink({ cpus }) {
  const sink = await listening('otlp-sink.mjs', [], cpus);
  const endpoint = `http://127.0.0.1:${sink.port}`;
  return { ...sink, endpoint, stats: async () => (await fetch(`${endpoint}/stats`)).json() };
}
