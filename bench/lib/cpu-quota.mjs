// CPU quotas (Linux cgroups) for the worker-scaling pair. Two workers and a
// load generator cannot each get a core of a 2-core machine; what can be
// arranged is the same shape at a smaller scale: the generator (and the
// backend) keep core 0, the workers are pinned to core 1 and each is capped
// at a fraction of it by its own cgroup. One worker at 40% against two
// workers at 40% each asks exactly the question of the target — does a
// second worker with its own CPU double the throughput? — while the
// generator never competes with a worker for CPU.
//
// cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us); needs root. Without either,
// quotaAvailable() is false and the scenario falls back to the unpinned pair.
import fs from 'node:fs';
import path from 'node:path';

/**
 * CFS period, the kernel's default. A shorter one (10 ms) spreads a worker's
 * share more evenly but, measured here, cost both worker counts alike about
 * a third of their throughput per CPU-second (the ratio stayed ~2×); the
 * pair measures throughput, not latency, so the default it is.
 */
export const QUOTA_PERIOD_US = 100_000;
const RMDIR_ATTEMPTS = 20;
const RMDIR_RETRY_MS = 50;
/** The kernel refuses quotas below 1 ms. */
const MIN_QUOTA_US = 1_000;

function layout() {
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    try {
      // Children of the root get the cpu controller only when the root delegates it.
      fs.writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+cpu');
    } catch {
      // Already delegated, or not allowed: the probe below tells.
    }
    return { version: 2, root: '/sys/fs/cgroup' };
  }
  if (fs.existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) return { version: 1, root: '/sys/fs/cgroup/cpu' };
  return undefined;
}

/** True when this process can create CPU-quota cgroups here. */
export function quotaAvailable() {
  const l = layout();
  if (!l) return false;
  const probe = path.join(l.root, `only1mcp-bench-probe-${process.pid}`);
  try {
    fs.mkdirSync(probe);
    const ok = fs.existsSync(path.join(probe, l.version === 2 ? 'cpu.max' : 'cpu.cfs_quota_us'));
    fs.rmdirSync(probe);
    return ok;
  } catch {
    return false;
  }
}

/**
 * Caps `pid` at `fraction` of one core in a cgroup of its own; returns the
 * async release function (moves the pid back to the root group, removes the group).
 */
export function capCpu(pid, fraction, name) {
  const l = layout();
  if (!l) throw new Error('no cgroup CPU controller here');
  const quota = Math.round(fraction * QUOTA_PERIOD_US);
  if (!(quota >= MIN_QUOTA_US && fraction <= 1)) throw new Error(`a CPU share of ${fraction} is outside ${MIN_QUOTA_US / QUOTA_PERIOD_US}..1`);
  const dir = path.join(l.root, `only1mcp-bench-${name}-${pid}`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    if (l.version === 2) {
      fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${QUOTA_PERIOD_US}`);
    } else {
      fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(QUOTA_PERIOD_US));
      fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
    }
    // Every thread of the process (V8's helpers too), not just the main one.
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  } catch (err) {
    fs.rmdirSync(dir);
    throw err;
  }
  return async () => {
    try {
      fs.writeFileSync(path.join(l.root, 'cgroup.procs'), String(pid));
    } catch {
      // The process is gone.
    }
    // The kernel lets go of an emptied group a moment later: EBUSY until then.
    for (let attempt = 0; attempt < RMDIR_ATTEMPTS; attempt++) {
      try {
        fs.rmdirSync(dir);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, RMDIR_RETRY_MS));
      }
    }
  };
}
