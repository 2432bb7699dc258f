import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BENCH = path.join(ROOT, 'bench');
export const RESULTS = path.join(BENCH, 'results');
export const FIXTURES = path.join(BENCH, 'fixtures');
