import { describe, expect, it } from 'vitest';
import { WORKER_SEMI_SPACE_MB, workerExecArgv } from '../../src/primary/worker-pool.js';

describe('workerExecArgv', () => {
  it("adds the young-generation cap to the primary's own flags", () => {
    expect(workerExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
  });

  it("keeps an operator's own cap, given as a flag or in NODE_OPTIONS, in either spelling", () => {
    expect(workerExecArgv(['--max-semi-space-size=32'], '')).toEqual(['--max-semi-space-size=32']);
    expect(workerExecArgv([], '--inspect --max_semi_space_size=2')).toEqual([]);
  });
});
