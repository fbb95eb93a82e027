/**
 * `npm run bench`: runs bench/jws.bench.ts, then bench/manager.bench.ts and bench/jwe.bench.ts
 * when they exist, and prints one table (or `--json`). Options: `--time=MS` per cell and
 * implementation (default 1000), `--rounds=N` (default 8), `--filter=TEXT` (e.g. `verify HS256`).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHarness, formatJSON, formatTable, parseHarnessArgs, type Row, type Suite } from './harness.js';

const SUITES = ['jws.bench.ts', 'manager.bench.ts', 'jwe.bench.ts'];

async function main(): Promise<void> {
  const options = parseHarnessArgs(process.argv.slice(2));
  const harness = createHarness(options);
  const rows: Row[] = [];
  for (const file of SUITES) {
    const path = fileURLToPath(new URL(`./${file}`, import.meta.url));
    if (!existsSync(path)) continue;
    const suite = (await import(pathToFileURL(path).href) as { default: Suite }).default;
    harness.log(`# ${file}`);
    rows.push(...await suite(harness));
  }
  if (options.json) process.stdout.write(`${formatJSON(rows)}\n`);
  else process.stdout.write(`${formatTable(rows)}\n\nops per CPU-second of the benchmark process, best of ${options.rounds} interleaved rounds; ratios > 1 mean cjwt is faster.\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
