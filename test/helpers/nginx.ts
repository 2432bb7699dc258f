/**
 * nginx (from Debian) in front of several gateways, round-robin, as the
 * process-level twin of docker-compose.yml. The proxy settings come
 * from deploy/nginx/only1mcp-proxy.conf, the file the compose topology uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.js';
import { ROOT, start, waitForHttp, type Proc } from './processes.js';
import { tempDir } from './gateway.js';

/**
 * The nginx binary: on PATH, else Debian's /usr/sbin, which a non-root
 * user's PATH often lacks (test/ensure-system-packages.mjs looks there too).
 */
export function nginxBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && fs.existsSync(path.join(dir, 'nginx'))) return 'nginx';
  }
  return fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
}

export interface TestNginx {
  port: number;
  base: string;
  proc: Proc;
  stop(): Promise<void>;
}

export async function startNginx(upstreamPorts: number[]): Promise<TestNginx> {
  const prefix = tempDir('only1mcp-nginx-');
  const port = await freePort();
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(prefix, dir));
  const proxy = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx', 'only1mcp-proxy.conf'), 'utf8');
  fs.writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `worker_processes 1;
error_log ${prefix}/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream only1mcp { ${upstreamPorts.map((p) => `server 127.0.0.1:${p};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
${proxy}
  }
}
`,
  );
  const proc = start(nginxBinary(), ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;']);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health`, proc);
  return { port, base, proc, stop: () => proc.stop() };
}
