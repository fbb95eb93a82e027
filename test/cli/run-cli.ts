/**
 * Runs the `cjwt` CLI as a child process, so the tests see exactly what a user sees: stdout,
 * stderr and the exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The command line that starts the CLI. The built bin (dist/cli/main.js, what `npx cjwt` runs)
 * when it is newer than every source file it is built from: it starts several times faster than tsx. Otherwise,
 * or with CJWT_CLI_FROM_SOURCE=1, the TypeScript source through tsx.
 */
function cliCommand(): string[] {
  const built = join(root, 'dist', 'cli', 'main.js');
  if (process.env.CJWT_CLI_FROM_SOURCE !== '1' && existsSync(built)) {
    try {
      // The CLI imports only src/cli and src/jose; other areas may change without making it stale.
      const sources = Math.max(newestMtime(join(root, 'src', 'cli')), newestMtime(join(root, 'src', 'jose')));
      if (statSync(built).mtimeMs >= sources) return [built];
    } catch {
      // A file vanished while scanning: fall back to the source.
    }
  }
  return ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];
}

const command = cliCommand();

/** What one CLI run produced. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cjwt ...args`, feeding `input` on standard input (empty when omitted). */
export function cjwt(args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs `cjwt ...args` and returns stdout, failing with the whole result when the exit code is not 0. */
export async function cjwtOk(args: string[], input = ''): Promise<string> {
  const result = await cjwt(args, input);
  if (result.code !== 0) throw new Error(`cjwt ${args.join(' ')} exited ${String(result.code)}: ${result.stderr}`);
  return result.stdout;
}

/** A temporary directory for key files, removed by `cleanup`. */
export function tempDir(prefix: string): { dir: string; file: (name: string, content: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
