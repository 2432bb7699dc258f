// Where every process runs on this 2-core machine. The rule: the system
// being measured gets core 1 to itself; everything that is not being
// measured — the load generator and the backend the system calls — shares
// core 0. So a figure is the cost of the system under test alone, and a
// backend's work only ever slows the generator (which makes the gateway's
// numbers, if anything, pessimistic). Scenarios that need more cores than
// that (two workers) say how they deviate. Override with BENCH_CPUS_*.
import os from 'node:os';

export const CORES = os.availableParallelism();
export const GENERATOR_CPUS = process.env.BENCH_CPUS_GENERATOR ?? '0';
export const SUT_CPUS = process.env.BENCH_CPUS_SUT ?? (CORES > 1 ? '1' : '0');
export const BACKEND_CPUS = process.env.BENCH_CPUS_BACKEND ?? '0';
export const ALL_CPUS = `0-${CORES - 1}`;

export const LAYOUT_TEXT =
  `load generator on core ${GENERATOR_CPUS}; system under test (gateway primary + workers, or a peer, or the direct fixture) on core ${SUT_CPUS}; ` +
  `backends behind a system (HTTP fixture, stdio children) on core ${BACKEND_CPUS}`;
