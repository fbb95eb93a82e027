/**
 * A small benchmark harness: warm-up, interleaved timed rounds per implementation (best round
 * wins, which is what holds on a noisy shared machine), and table / JSON output with ratios.
 * Rates are operations per CPU-second of the benchmark process (see `runFor`).
 *
 * A suite module's default export is a `Suite`: `async (h: Harness) => Row[]`. A `Row` names the
 * operation and algorithm and carries ops/s per implementation (`cjwt`, `jose`, `fast-jwt`,
 * `jsonwebtoken`, `floor`, ...); an implementation that cannot do the cell is `null`.
 */
import { performance } from 'node:perf_hooks';

/** One table row: an operation on an algorithm, ops/s per implementation (`null` = unsupported). */
export interface Row {
  op: string;
  alg: string;
  [implementation: string]: string | number | null;
}

/** A benchmark body: synchronous, or returning a promise that is awaited (its real cost). */
export type BenchFn = () => unknown;

/** What a suite receives. */
export interface Harness {
  /** Wall time spent measuring each implementation of a cell, in milliseconds. */
  readonly cellMs: number;
  /** Only run cells whose `op alg` contains this text (from `--filter=`). */
  readonly filter: string | undefined;
  /** True when a cell should run (matches the filter). */
  wants(op: string, alg: string): boolean;
  /**
   * Measures every implementation of one cell in interleaved rounds and returns the row. A `null`
   * entry means "not supported" and is reported as such.
   */
  compare(op: string, alg: string, impls: Record<string, BenchFn | null>): Promise<Row>;
  /** Progress output (stderr, so `--json` stays clean). */
  log(message: string): void;
}

/** A suite module's default export. */
export type Suite = (h: Harness) => Promise<Row[]>;

/** Command-line options of the harness. */
export interface HarnessOptions {
  json: boolean;
  cellMs: number;
  rounds: number;
  filter: string | undefined;
}

/** Parses `--json`, `--time=MS` (per cell and implementation), `--rounds=N`, `--filter=TEXT`. */
export function parseHarnessArgs(argv: readonly string[]): HarnessOptions {
  const get = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return {
    json: argv.includes('--json'),
    cellMs: Number(get('time') ?? 1000),
    rounds: Number(get('rounds') ?? 8),
    filter: get('filter'),
  };
}

/** CPU seconds (user + system) consumed by this process since `since`. */
function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

// Rates are ops per CPU-second of this process, not per wall-clock second: on a shared machine the
// process is often descheduled, and wall time would measure the neighbours. CPU time still counts
// work a library pushes to other threads of the process (e.g. WebCrypto on the thread pool).
async function runFor(fn: BenchFn, ms: number, batch: number, isAsync: boolean): Promise<number> {
  let ops = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - start < ms) {
    if (isAsync) for (let i = 0; i < batch; i++) await fn();
    else for (let i = 0; i < batch; i++) fn();
    ops += batch;
  }
  return ops / Math.max(cpuSecondsSince(cpu), 1e-6);
}

async function calibrate(fn: BenchFn): Promise<{ batch: number; isAsync: boolean }> {
  const probe = fn();
  const isAsync = probe instanceof Promise;
  if (isAsync) await probe;
  // Warm-up long enough for the JIT to optimise the body, then size batches to ~2 ms.
  const warm = await runFor(fn, 150, 1, isAsync);
  return { batch: Math.max(1, Math.floor(warm / 500)), isAsync };
}

/** Creates a harness with the given options. */
export function createHarness(options: HarnessOptions): Harness {
  return {
    cellMs: options.cellMs,
    filter: options.filter,
    wants(op, alg) {
      return options.filter === undefined || `${op} ${alg}`.toLowerCase().includes(options.filter.toLowerCase());
    },
    async compare(op, alg, impls) {
      const row: Row = { op, alg };
      const names = Object.keys(impls);
      const plans = new Map<string, { fn: BenchFn; batch: number; isAsync: boolean }>();
      for (const name of names) {
        const fn = impls[name];
        if (fn === null || fn === undefined) { row[name] = null; continue; }
        plans.set(name, { fn, ...(await calibrate(fn)) });
        row[name] = 0;
      }
      const roundMs = options.cellMs / Math.max(1, options.rounds);
      for (let round = 0; round < options.rounds; round++) {
        for (const [name, plan] of plans) {
          // A short untimed run first: the previous implementation's garbage and a cold JIT state
          // would otherwise be charged to this one.
          await runFor(plan.fn, Math.min(25, roundMs / 4), plan.batch, plan.isAsync);
          const opsPerSecond = await runFor(plan.fn, roundMs, plan.batch, plan.isAsync);
          row[name] = Math.max(row[name] as number, Math.round(opsPerSecond));
        }
      }
      this.log(`${op} ${alg}: ${[...plans.keys()].map((n) => `${n}=${String(row[n])}`).join(' ')}`);
      return row;
    },
    log(message) {
      process.stderr.write(`${message}\n`);
    },
  };
}

/** Ratios shown in the table: `numerator/denominator` of two implementations' ops/s. */
export const DEFAULT_RATIOS: ReadonlyArray<readonly [string, string]> = [['cjwt', 'fast-jwt'], ['cjwt', 'floor'], ['cjwt', 'jose']];

function ratio(row: Row, a: string, b: string): string {
  const x = row[a];
  const y = row[b];
  return typeof x === 'number' && typeof y === 'number' && y > 0 ? (x / y).toFixed(2) : '-';
}

/** Formats rows as a markdown table: ops/s per implementation, then the ratios. */
export function formatTable(rows: readonly Row[], ratios: ReadonlyArray<readonly [string, string]> = DEFAULT_RATIOS): string {
  const impls: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (k !== 'op' && k !== 'alg' && !impls.includes(k)) impls.push(k);
  const header = ['op', 'alg', ...impls, ...ratios.map(([a, b]) => `${a}/${b}`)];
  const lines = rows.map((row) => [
    row.op, row.alg,
    ...impls.map((k) => (typeof row[k] === 'number' ? (row[k] as number).toLocaleString('en-US') : '-')),
    ...ratios.map(([a, b]) => ratio(row, a, b)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (cells: ReadonlyArray<string | number | null | undefined>): string =>
    `| ${cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

/** The `--json` output: `{"results":[{"op","alg", impl: ops/s, ...}, ...]}`. */
export function formatJSON(rows: readonly Row[]): string {
  return JSON.stringify({ results: rows });
}
