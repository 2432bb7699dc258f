/**
 * The deployment artefacts agree with each other and with the gateway.
 * No Docker engine or Kubernetes runs here, so each file is checked by the
 * tool that reads it where one exists (docker-compose parses the compose
 * file, nginx -t the nginx config, the gateway's own validator the configs)
 * and by cross-references: the ports, names, paths, probes and metric names
 * one file uses must be those another file defines. Last, the compose
 * topology runs as processes: its nginx.conf and gateway.yaml in front of
 * two real gateways, one Redis and the demo backend.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CLI, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForHttp, waitForLine } from '../helpers/processes.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { nginxBinary } from '../helpers/nginx.js';
import { DRAIN_TIMEOUT_MS } from '../../src/primary/primary.js';

const GATEWAY_PORT = 7323;
const DRAIN_TIMEOUT_S = DRAIN_TIMEOUT_MS / 1000;
const GATEWAYS = ['gateway-a', 'gateway-b'];
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

// Parsed YAML and JSON of many shapes: the assertions below are the type checks.
type Json = Record<string, any>;

// ---------------------------------------------------------------- helpers

let composeCache: Json | undefined;
/** `docker-compose config`: the file as Compose itself resolves it. */
function compose(): Json {
  if (composeCache) return composeCache;
  const env = { ...process.env };
  delete env.ONLY1MCP_PUBLIC_HOST; // The file's default, not this machine's.
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, env, encoding: 'utf8' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('docker-compose is not installed: it parses docker-compose.yml for these tests; the pretest of npm test (test/ensure-system-packages.mjs) installs it, or says how.');
  }
  if (r.status !== 0) throw new Error(`docker-compose config failed (${r.status}):\n${r.stderr}`);
  composeCache = parse(r.stdout) as Json;
  return composeCache;
}

/** Compose prints short syntax (v1) or long syntax (v2); both become {source, target, readOnly}. */
function volumes(service: Json): { source: string; target: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v: string | Json) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target, readOnly: v.read_only === true };
    const [source, target, mode] = v.split(':');
    return { source: source!, target: target!, readOnly: (mode ?? '').split(',').includes('ro') };
  });
}

function publishedPorts(service: Json): { published: number; target: number }[] {
  return (service.ports ?? []).map((p: string | Json) => {
    if (typeof p !== 'string') return { published: Number(p.published), target: Number(p.target) };
    const parts = p.split(':');
    return { published: Number(parts.at(-2)), target: Number(parts.at(-1)!.split('/')[0]) };
  });
}

function dependsOn(service: Json): Record<string, string> {
  const d = service.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name: string) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([name, v]) => [name, (v as Json).condition]));
}

function seconds(duration: string | number): number {
  if (typeof duration === 'number') return duration / 1e9; // v2 may print nanoseconds
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerfile(): { op: string; args: string }[] {
  return read('deploy/Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const space = l.indexOf(' ');
      return { op: l.slice(0, space).toUpperCase(), args: l.slice(space + 1).trim() };
    });
}

function nginxUpstreams(conf: string): string[] {
  const block = conf.match(/upstream\s+only1mcp\s*\{([^}]*)\}/);
  return [...(block?.[1] ?? '').matchAll(/^\s*server\s+([^\s;]+)/gm)].map((m) => m[1]!);
}

function k8sDocs(): Json[] {
  const dir = path.join(ROOT, 'deploy', 'kubernetes');
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors.map((e) => e.message).join('; ')}`);
        return { ...(doc.toJS() as Json), __file: f } as Json;
      }),
    )
    .filter((d) => d.kind !== undefined);
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

function validateConfig(file: string, env: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI, 'validate', file], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

// ---------------------------------------------------------------- image

describe('deploy/Dockerfile', () => {
  const ops = dockerfile();
  const stages = ops.filter((o) => o.op === 'FROM').map((o) => o.args);
  const runtimeStart = ops.findIndex((o) => o.op === 'FROM' && / AS runtime$/i.test(o.args));
  const runtime = ops.slice(runtimeStart);

  it('builds with every dependency and runs on node:20-bookworm-slim with runtime dependencies only', () => {
    expect(ops.find((o) => o.op === 'ARG' && o.args.startsWith('NODE_IMAGE='))?.args).toBe('NODE_IMAGE=node:20-bookworm-slim');
    expect(stages.every((s) => s.startsWith('${NODE_IMAGE} ') || /^build /.test(s))).toBe(true);
    expect(stages.at(-1)).toMatch(/ AS runtime$/); // the default target
    const build = ops.slice(0, runtimeStart).filter((o) => o.op === 'RUN').map((o) => o.args);
    expect(build.some((r) => /npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(build).toContain('npm run build');
    expect(runtime.some((o) => o.op === 'RUN' && o.args.includes('npm ci --omit=dev'))).toBe(true);
  });

  it('runs as a non-root user, exposes 7323, checks /health and starts in the foreground on 0.0.0.0', () => {
    const user = runtime.filter((o) => o.op === 'USER').at(-1)?.args ?? 'root';
    expect(user.split(':')[0]).toMatch(/^[1-9]\d*$/); // numeric, so runAsNonRoot can verify it
    expect(runtime.find((o) => o.op === 'EXPOSE')?.args).toBe(String(GATEWAY_PORT));
    expect(runtime.find((o) => o.op === 'HEALTHCHECK')?.args).toContain(`http://127.0.0.1:${GATEWAY_PORT}/health`);
    expect(JSON.parse(runtime.find((o) => o.op === 'ENTRYPOINT')!.args)).toEqual(['node', 'dist/src/cli/main.js', 'start', '--foreground', '--host', '0.0.0.0']);
    expect(runtime.some((o) => o.op === 'ENV' && o.args === 'ONLY1MCP_CONFIG=/etc/only1mcp/config.yaml')).toBe(true);
    // The entry point and the files it loads at run time are copied from the build stage.
    const copied = runtime.filter((o) => o.op === 'COPY' && o.args.startsWith('--from=build')).map((o) => o.args.split(/\s+/)[1]);
    expect(copied).toEqual(expect.arrayContaining(['/app/dist/src', '/app/dist/workers']));
  });

  it('.dockerignore keeps local node_modules and build output out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git']));
    for (const needed of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'src', 'workers']) expect(ignored).not.toContain(needed);
  });
});

// ---------------------------------------------------------------- compose

describe('docker-compose.yml', () => {
  it('docker-compose accepts it: redis, the demo backend, two gateways and nginx (Prometheus and Grafana behind a profile)', () => {
    const services = compose().services as Json;
    expect(Object.keys(services).sort()).toEqual(['everything', 'gateway-a', 'gateway-b', 'grafana', 'nginx', 'prometheus', 'redis']);
    expect(services.prometheus.profiles).toEqual(['observability']);
    expect(services.grafana.profiles).toEqual(['observability']);
    const redis = services.redis;
    expect(redis.image).toBe('redis:7');
    expect(redis.command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
    expect(redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    const demo = services.everything;
    expect(demo.build.target).toBe('demo-backend');
    expect(dockerfile().some((o) => o.op === 'FROM' && / AS demo-backend$/.test(o.args))).toBe(true);
  });

  it('each gateway is the image, on Redis, with the shared config read-only where ONLY1MCP_CONFIG points', () => {
    const services = compose().services as Json;
    for (const name of GATEWAYS) {
      const g = services[name];
      expect(path.relative(ROOT, g.build.context), name).toBe('');
      expect(g.build.dockerfile).toBe('deploy/Dockerfile');
      expect(g.build.target, name).toBeUndefined();
      expect(g.environment.REDIS_URL).toBe('redis://redis:6379');
      expect(dependsOn(g)).toMatchObject({ redis: 'service_healthy' });
      expect(g.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${GATEWAY_PORT}/health`);
      expect(seconds(g.stop_grace_period)).toBeGreaterThan(DRAIN_TIMEOUT_S);
      const configPath: string = g.environment.ONLY1MCP_CONFIG;
      const mount = volumes(g).find((v) => configPath === v.target || configPath.startsWith(`${v.target}/`));
      expect(mount, `${name}: a volume holding ${configPath}`).toBeDefined();
      expect(mount!.readOnly).toBe(true);
      const hostFile = path.join(mount!.source, path.relative(mount!.target, configPath));
      expect(path.relative(ROOT, hostFile)).toBe(path.join('deploy', 'config', 'gateway.yaml'));
      expect(g.expose.map(Number)).toContain(GATEWAY_PORT);
      expect(g.ports, `${name} is reached through nginx only`).toBeUndefined();
    }
    expect(services['gateway-a'].environment).toEqual(services['gateway-b'].environment);
  });

  it('nginx publishes 8080 and mounts nginx.conf and the proxy file where nginx.conf includes it', () => {
    const nginx = (compose().services as Json).nginx;
    expect(nginx.image).toBe('nginx:1.22');
    const conf = read('deploy/nginx/nginx.conf');
    const listen = Number(conf.match(/^\s*listen\s+(\d+);/m)?.[1]);
    expect(publishedPorts(nginx)).toEqual([{ published: 8080, target: listen }]);
    const mounts = volumes(nginx).map((v) => ({ ...v, source: path.relative(ROOT, v.source) }));
    const include = conf.match(/^\s*include\s+([^;\s]+);/m)?.[1];
    expect(mounts).toEqual(
      expect.arrayContaining([
        { source: 'deploy/nginx/nginx.conf', target: '/etc/nginx/nginx.conf', readOnly: true },
        { source: 'deploy/nginx/only1mcp-proxy.conf', target: include, readOnly: true },
      ]),
    );
    expect(dependsOn(nginx)).toEqual(Object.fromEntries(GATEWAYS.map((g) => [g, 'service_healthy'])));
    expect(nginxUpstreams(conf).sort()).toEqual(GATEWAYS.map((g) => `${g}:${GATEWAY_PORT}`));
  });

  it('Prometheus scrapes every gateway service on the gateway port', () => {
    const prom = parse(read('deploy/prometheus/prometheus.yml')) as Json;
    const job = prom.scrape_configs.find((j: Json) => j.job_name === 'only1mcp');
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs.flatMap((s: Json) => s.targets).sort()).toEqual(GATEWAYS.map((g) => `${g}:${GATEWAY_PORT}`));
    const mounted = volumes((compose().services as Json).prometheus).map((v) => path.relative(ROOT, v.source));
    expect(mounted).toContain('deploy/prometheus/prometheus.yml');
  });
});

// ---------------------------------------------------------------- gateway config

describe('deploy/config/gateway.yaml', () => {
  it('passes the gateway validator', () => {
    const r = validateConfig('deploy/config/gateway.yaml', { ONLY1MCP_PUBLIC_HOST: '' });
    expect(r.out).toContain('deploy/config/gateway.yaml: OK');
    expect(r.code).toBe(0);
  });

  it('admits the Host names nginx passes on, and reaches its servers at compose services', () => {
    // nginx forwards the client's Host unchanged, so the gateways must admit what clients use.
    expect(read('deploy/nginx/only1mcp-proxy.conf')).toMatch(/proxy_set_header Host \$http_host;/);
    const config = parse(read('deploy/config/gateway.yaml')) as Json;
    expect(config.listen.port).toBe(GATEWAY_PORT);
    expect(config.listen.allowedHosts).toEqual(expect.arrayContaining(['nginx', ...GATEWAYS]));
    const services = compose().services as Json;
    for (const [name, server] of Object.entries(config.servers as Record<string, Json>)) {
      if (server.url === undefined) continue;
      const url = new URL(server.url);
      expect(services[url.hostname], `server ${name}: ${url.hostname} is a compose service`).toBeDefined();
      expect(services[url.hostname].expose.map(Number), `server ${name}`).toContain(Number(url.port));
    }
  });
});

// ---------------------------------------------------------------- nginx

describe('deploy/nginx/nginx.conf', () => {
  it('nginx -t accepts it with the upstreams on loopback and the real proxy file included', async () => {
    const prefix = tempDir('only1mcp-nginx-t-');
    fs.writeFileSync(path.join(prefix, 'nginx.conf'), await localNginxConf(prefix, [await freePort(), await freePort()], await freePort()));
    const r = spawnSync(nginxBinary(), ['-t', '-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', 'stderr', '-g', `pid ${prefix}/nginx.pid;`], { encoding: 'utf8' });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error('nginx is not installed (Debian: apt-get install nginx); .ci/run installs it');
    expect(r.stderr).toContain('test is successful');
    expect(r.status).toBe(0);
  });
});

/**
 * deploy/nginx/nginx.conf made runnable here: upstream hosts become loopback
 * ports, the include names the repository's file, the listener a free
 * loopback port, one worker process, and temporary files go under the
 * prefix (the image's defaults are root-owned system paths) as does the
 * access log, as test/helpers/nginx.ts does.
 */
async function localNginxConf(prefix: string, upstreamPorts: number[], listenPort: number): Promise<string> {
  let conf = read('deploy/nginx/nginx.conf');
  const upstreams = nginxUpstreams(conf);
  expect(upstreams.length).toBe(upstreamPorts.length);
  upstreams.forEach((u, i) => (conf = conf.replace(`server ${u};`, `server 127.0.0.1:${upstreamPorts[i]};`)));
  conf = conf.replace(/^(\s*include\s+)\/etc\/nginx\/only1mcp-proxy\.conf;/m, `$1${path.join(ROOT, 'deploy', 'nginx', 'only1mcp-proxy.conf')};`);
  conf = conf.replace(/^(\s*listen\s+)\d+;/m, `$1127.0.0.1:${listenPort};`);
  // One worker: each nginx worker keeps its own round-robin position, so with several the order a test sees depends on which worker accepts.
  conf = conf.replace(/^worker_processes\s+\S+;/m, 'worker_processes 1;');
  conf = conf.replace(/^(\s*access_log\s+)\/var\/log\/nginx\/access\.log;/m, `$1${path.join(prefix, 'access.log')};`);
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => {
    fs.mkdirSync(path.join(prefix, t));
    return `  ${t}_temp_path ${path.join(prefix, t)};`;
  });
  conf = conf.replace(/^http\s*\{/m, `http {\n${temps.join('\n')}`);
  expect(conf.replace(/#.*$/gm, '')).not.toMatch(/gateway-[ab]|\/etc\/nginx|\/var\//);
  return conf;
}

// ---------------------------------------------------------------- kubernetes

describe('deploy/kubernetes', () => {
  let docs: Json[];
  let gateway: Json;
  let pod: Json;
  let container: Json;
  let containerPort: Json;
  let env: Record<string, string>;
  const find = (kind: string, name: string): Json => {
    const d = docs.find((x) => x.kind === kind && x.metadata?.name === name);
    if (!d) throw new Error(`deploy/kubernetes has no ${kind} named ${name}`);
    return d;
  };

  beforeAll(() => {
    docs = k8sDocs();
    gateway = find('Deployment', 'only1mcp');
    pod = gateway.spec.template.spec;
    container = pod.containers.find((c: Json) => c.name === 'gateway');
    containerPort = container.ports.find((p: Json) => p.containerPort === GATEWAY_PORT);
    env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value]));
  });

  it('parses, every object has a kind and a name, and names are unique per kind', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Deployment', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'Service']);
    const keys = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the gateway Deployment: 3 replicas, selectors that match, the image port', () => {
    expect(gateway.spec.replicas).toBe(3);
    const labels = gateway.spec.template.metadata.labels;
    expect(matches(gateway.spec.selector.matchLabels, labels)).toBe(true);
    expect(containerPort, 'container port 7323 (the image EXPOSEs it)').toBeDefined();
    const service = find('Service', 'only1mcp');
    expect(matches(service.spec.selector, labels)).toBe(true);
    expect(matches(service.spec.selector, find('Deployment', 'only1mcp-redis').spec.template.metadata.labels), 'the gateway Service must not select Redis').toBe(false);
    expect(service.spec.sessionAffinity ?? 'None').toBe('None');
    for (const p of service.spec.ports) expect([containerPort.name, containerPort.containerPort]).toContain(p.targetPort);
    const pdb = find('PodDisruptionBudget', 'only1mcp');
    expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(gateway.spec.replicas);
  });

  it('probes hit /health on the container port; preStop sleeps; the grace period outlasts sleep and drain', () => {
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe]?.httpGet?.path, probe).toBe('/health');
      expect([containerPort.name, containerPort.containerPort], probe).toContain(container[probe].httpGet.port);
    }
    const sleep = container.lifecycle.preStop.exec.command;
    expect(sleep[0]).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(sleep[1]) + DRAIN_TIMEOUT_S);
    expect(container.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
  });

  it('non-root, read-only root filesystem, a writable /tmp', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    const tmp = container.volumeMounts.find((m: Json) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: Json) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('ONLY1MCP_CONFIG names the ConfigMap key as mounted, and that config passes the validator', () => {
    const configPath = env.ONLY1MCP_CONFIG!;
    const mount = container.volumeMounts.find((m: Json) => configPath.startsWith(`${m.mountPath}/`));
    expect(mount, `a volume mount holding ${configPath}`).toBeDefined();
    expect(mount.subPath, 'a subPath mount never sees ConfigMap updates').toBeUndefined();
    const volume = pod.volumes.find((v: Json) => v.name === mount.name);
    const item = volume.configMap.items.find((i: Json) => i.path === path.posix.relative(mount.mountPath, configPath));
    expect(item, `the ConfigMap volume puts a key at ${configPath}`).toBeDefined();
    const configMap = find('ConfigMap', volume.configMap.name);
    const text: string = configMap.data[item.key];
    expect(text).toBeDefined();
    const file = path.join(tempDir(), 'config.yaml');
    fs.writeFileSync(file, text);
    const r = validateConfig(file);
    expect(r.out).toContain(': OK');
    expect(r.code).toBe(0);
    const hosts: string[] = (parse(text) as Json).listen.allowedHosts;
    for (const rule of find('Ingress', 'only1mcp').spec.rules) expect(hosts, 'the Ingress host is an allowed Host').toContain(rule.host);
    const service = find('Service', 'only1mcp');
    expect(hosts).toContain(service.metadata.name);
  });

  it('REDIS_URL names the Redis Service, which selects a Redis without persistence that only gateways may reach', () => {
    const url = new URL(env.REDIS_URL!);
    const service = find('Service', url.hostname);
    expect(service.spec.ports.map((p: Json) => p.port)).toContain(Number(url.port));
    const redis = find('Deployment', 'only1mcp-redis');
    const labels = redis.spec.template.metadata.labels;
    expect(matches(service.spec.selector, labels)).toBe(true);
    expect(matches(redis.spec.selector.matchLabels, labels)).toBe(true);
    const args: string[] = redis.spec.template.spec.containers[0].args;
    expect(args.slice(0, 4)).toEqual(['--save', '', '--appendonly', 'no']);
    expect(redis.spec.template.spec.volumes.every((v: Json) => v.emptyDir !== undefined)).toBe(true);
    const policy = find('NetworkPolicy', 'only1mcp-redis');
    expect(matches(policy.spec.podSelector.matchLabels, labels)).toBe(true);
    expect(matches(policy.spec.ingress[0].from[0].podSelector.matchLabels, gateway.spec.template.metadata.labels)).toBe(true);
  });

  it('the Ingress routes to the gateway Service port', () => {
    const ingress = find('Ingress', 'only1mcp');
    const service = find('Service', 'only1mcp');
    for (const rule of ingress.spec.rules) {
      for (const p of rule.http.paths) {
        expect(p.backend.service.name).toBe(service.metadata.name);
        expect(service.spec.ports.map((x: Json) => x.name)).toContain(p.backend.service.port.name);
      }
    }
  });
});

// ---------------------------------------------------------------- grafana

describe('deploy/grafana', () => {
  it('every metric a dashboard queries is one the gateway exports, and every gateway metric has a panel', async () => {
    const { registry, primaryRegistry } = await import('../../src/observe/metrics.js');
    const exported = new Set<string>();
    // The workers' metrics, and the primary's own (health probes), served together on /metrics.
    for (const m of [...(await registry.getMetricsAsJSON()), ...(await primaryRegistry.getMetricsAsJSON())]) {
      exported.add(m.name);
      if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m.name + suffix);
    }
    const dir = path.join(ROOT, 'deploy', 'grafana');
    const dashboards = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(dashboards.length).toBeGreaterThan(0);
    const used = new Set<string>();
    for (const f of dashboards) {
      const dash = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Json;
      const panels: Json[] = (dash.panels as Json[]).flatMap((p) => [p, ...((p.panels as Json[] | undefined) ?? [])]);
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size, `${f}: panel ids are unique`).toBe(ids.length);
      const queries = [
        ...panels.filter((p) => p.type !== 'row').flatMap((p) => {
          expect(p.targets?.length, `${f}: panel "${p.title}" has queries`).toBeGreaterThan(0);
          return (p.targets as Json[]).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr as string }));
        }),
        ...(dash.templating?.list ?? []).filter((v: Json) => v.type === 'query').map((v: Json) => ({ where: `variable ${v.name}`, expr: (v.query?.query ?? v.query) as string })),
      ];
      for (const { where, expr } of queries) {
        const names = expr.match(/\bonly1mcp_[A-Za-z0-9_:]+/g) ?? [];
        expect(names.length, `${f} ${where} queries a gateway metric`).toBeGreaterThan(0);
        for (const name of names) {
          expect(exported.has(name), `${f} ${where}: ${name} is not exported by the gateway`).toBe(true);
          used.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    // The gateway's own metrics (not the default process/nodejs ones) each appear on a dashboard.
    const own = [...exported].filter((n) => !/^only1mcp_(process|nodejs)_/.test(n) && !/_(bucket|sum|count)$/.test(n));
    expect(own.filter((n) => !used.has(n)), 'gateway metrics without a panel').toEqual([]);
  });
});

// ---------------------------------------------------------------- the compose topology as processes

describe('the compose topology as processes: nginx.conf and gateway.yaml in front of two gateways on one Redis', () => {
  let redis: TestRedis;
  let gateways: Gateway[];
  let nginxPort: number;

  beforeAll(async () => {
    // The demo backend as compose runs it, on a free port instead of everything:3001.
    const backendPort = await freePort();
    const backend = start(process.execPath, [path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js'), 'streamableHttp'], { PORT: String(backendPort) });
    await waitForLine(backend, /listening on port/i);
    redis = await startRedis();
    const config = read('deploy/config/gateway.yaml').replace('http://everything:3001/mcp', `http://127.0.0.1:${backendPort}/mcp`);
    expect(config).toContain(`127.0.0.1:${backendPort}`);
    gateways = await Promise.all([0, 1].map(() => startGateway(config, { env: { REDIS_URL: redis.url, ONLY1MCP_PUBLIC_HOST: '' } })));
    const prefix = tempDir('only1mcp-nginx-');
    nginxPort = await freePort();
    fs.writeFileSync(path.join(prefix, 'nginx.conf'), await localNginxConf(prefix, gateways.map((g) => g.port), nginxPort));
    const nginx = start(nginxBinary(), ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', 'stderr', '-g', `daemon off; pid ${prefix}/nginx.pid;`]);
    await waitForHttp(`http://127.0.0.1:${nginxPort}/health`, nginx);
  }, 90_000);

  afterAll(stopAll);

  /** A POST to /mcp through nginx with a chosen Host header (fetch cannot set Host). */
  function postVia(host: string, body: object, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: nginxPort, path: '/mcp', method: 'POST', headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  it('a session opened through nginx (Host: nginx:8080) lists the demo backend tools, served by both gateways', async () => {
    const init = await postVia('nginx:8080', { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'deploy-test', version: '1' } } });
    expect(init.status, init.body).toBe(200);
    const sid = String(init.headers['mcp-session-id']);
    const session = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
    expect((await postVia('nginx:8080', { jsonrpc: '2.0', method: 'notifications/initialized' }, session)).status).toBe(202);
    const workers = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const list = await postVia('nginx:8080', { jsonrpc: '2.0', id: i + 1, method: 'tools/list' }, session);
      expect(list.status, list.body).toBe(200);
      expect(list.body).toContain('"everything__echo"');
      workers.add(String(list.headers['x-only1mcp-worker']));
    }
    // Round-robin: the one session was served by both gateways (one worker each).
    expect(workers.size).toBe(2);
  });

  it('metrics are not served through nginx, only by each gateway (to Prometheus)', async () => {
    expect((await fetch(`http://127.0.0.1:${nginxPort}/metrics`)).status).toBe(404);
    expect((await fetch(`${gateways[0]!.base}/metrics`)).status).toBe(200);
  });

  it('the Host names clients use are admitted; any other is refused (DNS-rebinding protection)', async () => {
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'deploy-test', version: '1' } } };
    for (const host of ['localhost:8080', '127.0.0.1:8080', 'gateway-a:7323', 'gateway-b:7323']) expect((await postVia(host, init)).status, host).toBe(200);
    const refused = await postVia('evil.example:8080', init);
    expect(refused.status).toBe(403);
    expect((JSON.parse(refused.body) as Json).error).toMatchObject({ code: -32600, message: expect.stringContaining('evil.example:8080') });
  });
});
