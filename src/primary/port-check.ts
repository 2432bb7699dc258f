/**
 * Is the port free? Asked before any worker is forked, because the workers'
 * own bind cannot tell: uWebSockets.js binds with SO_REUSEPORT, so a second
 * gateway's workers would share the port of a running one and the kernel
 * would split connections between the two. A plain bind without SO_REUSEPORT
 * (Node 20's net.Server sets none) fails with EADDRINUSE next to any
 * listener, uWS or not, which is the question asked here.
 *
 * What it costs: the check and the workers' bind are two steps, so a program
 * that takes the port in between is not caught here (its bind, unlike uWS's,
 * makes the workers' listen fail instead).
 */
import net from 'node:net';
import { findPortHolder, type PortHolder } from './port-holder.js';

export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly holder: PortHolder | undefined,
  ) {
    super(`port ${port} on ${host} is already in use ${describeHolder(holder)}`);
    this.name = 'PortInUseError';
  }
}

export function describeHolder(holder: PortHolder | undefined): string {
  if (holder === undefined) return '(by a process this user cannot see)';
  if (holder.kind === 'only1mcp') {
    return `by another only1mcp gateway (${holder.primaryPid === undefined ? '' : `primary pid ${holder.primaryPid}, `}worker pid ${holder.workerPid})`;
  }
  return `by pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`;
}

/** Resolves when `host:port` can be bound; rejects with PortInUseError (naming the holder) when it cannot. */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const error = await tryBind(host, port);
  if (error === undefined) return;
  if (error.code === 'EADDRINUSE') throw new PortInUseError(host, port, await findPortHolder(host, port));
  // EACCES (a port below 1024), EADDRNOTAVAIL (an address this machine lacks): say so as it is.
  throw new Error(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`);
}

function tryBind(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
