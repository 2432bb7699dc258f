// Command-line options of `npm run bench` and what quick and full mode mean.
//   --quick          short cells, fewer concurrencies (whole run < 3 min)
//   --only a,b       run only these scenarios (names as in bench/scenarios/)
//   --no-docs        do not rewrite docs/performance.md
//   --report-only    run nothing; rewrite docs/performance.md from the result files
export const CONCURRENCIES = [1, 10, 100];

export function parseSettings(argv) {
  const quick = argv.includes('--quick');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1].split(',') : undefined;
  return {
    quick,
    mode: quick ? 'quick' : 'full',
    only,
    docs: !argv.includes('--no-docs'),
    reportOnly: argv.includes('--report-only'),
    /** Measured seconds per cell, after `warmupS` of the same load. */
    durationS: quick ? 2 : 10,
    warmupS: quick ? 0.5 : 2,
    /** Concurrencies of the headline systems (direct, gateway): all three, in both modes. */
    concurrencies: CONCURRENCIES,
    /** Concurrencies of secondary rows (peers, variants): quick mode keeps the one the targets read. */
    secondary: quick ? [100] : CONCURRENCIES,
    /** Attempts of a cell disturbed by other processes on the machine (see lib/cell.mjs); quick mode keeps its time bound. */
    maxAttempts: quick ? 1 : 3,
  };
}
