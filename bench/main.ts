/**
 * `npm run bench`: runs the JWS, JWTManager and JWE suites and prints one table (or `--json`).
 * Options: `--time=MS` per cell and implementation (default 1000), `--rounds=N` (default 8),
 * `--filter=TEXT` (e.g. `verify HS256`).
 */
import { createHarness, formatJSON, formatTable, parseHarnessArgs, type Row } from './harness.js';
import jweSuite from './jwe.bench.js';
import jwsSuite from './jws.bench.js';
import managerSuite from './manager.bench.js';

const SUITES = [['jws', jwsSuite], ['manager', managerSuite], ['jwe', jweSuite]] as const;

async function main(): Promise<void> {
  const options = parseHarnessArgs(process.argv.slice(2));
  const harness = createHarness(options);
  const rows: Row[] = [];
  for (const [name, suite] of SUITES) {
    harness.log(`# ${name}`);
    rows.push(...await suite(harness));
  }
  if (options.json) process.stdout.write(`${formatJSON(rows)}\n`);
  else process.stdout.write(`${formatTable(rows)}\n\nops per CPU-second of the benchmark process, best of ${options.rounds} interleaved rounds; ratios > 1 mean cjwt is faster.\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
