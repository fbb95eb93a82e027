/**
 * Runs the README's runnable examples as written: every ```ts block whose first line is
 * `// example`. Imports from 'cjwt' (and 'cjwt/<subpath>') are pointed at the sources, each block
 * is written to test/.tmp-examples/ (inside the repo, so it is an ES module like the package) and
 * run with `node --import tsx`; it must exit 0.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
const tmpDir = join(root, 'test', '.tmp-examples');

/** A runnable block: its code and the line it starts on. */
interface Example {
  code: string;
  line: number;
}

/** Extracts the ```ts blocks whose first line is exactly `// example`. */
export function extractExamples(markdown: string): Example[] {
  const out: Example[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence); j++) body.push(lines[j]!);
    if (body[0]?.trim() === '// example') out.push({ code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return out;
}

/** Rewrites `from 'cjwt'` and `from 'cjwt/sub'` (and dynamic imports) to the sources. */
export function pointAtSources(code: string, fileDir: string): string {
  const rel = (target: string): string => {
    const r = relative(fileDir, join(root, target)).split('\\').join('/');
    return r.startsWith('.') ? r : `./${r}`;
  };
  // 'cjwt' -> src/index.ts, 'cjwt/store' -> src/store/index.ts, 'cjwt/store/conformance' ->
  // src/store/conformance.ts: the same mapping as package.json's exports.
  return code.replace(/(['"])cjwt((?:\/[a-z-]+){0,2})\1/g, (_m, q: string, sub: string) => {
    const parts = sub.split('/').filter((p) => p !== '');
    // 'cjwt/a/b' is src/a/b.ts, or the folder's index (src/a/b/index.ts) as package.json maps it.
    const nested = `src/${parts.join('/')}`;
    const target = parts.length === 0 ? 'src/index.ts' : parts.length === 1 ? `src/${parts[0]}/index.ts`
      : existsSync(join(root, `${nested}.ts`)) ? `${nested}.ts` : `${nested}/index.ts`;
    return `${q}${rel(target)}${q}`;
  });
}

/**
 * The README's database examples read the conventional variables; point them at the servers the
 * test runner started. A missing server is an error rather than a silent skip.
 */
function exampleEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // An example that registers node:test tests must report like a standalone run, not to us.
  delete env.NODE_TEST_CONTEXT;
  const map: Record<string, string> = {
    REDIS_URL: 'CJWT_TEST_REDIS_URL',
    REDIS_CLUSTER_URL: 'CJWT_TEST_REDIS_CLUSTER_URL',
    DATABASE_URL: 'CJWT_TEST_POSTGRES_URL',
    MYSQL_URL: 'CJWT_TEST_MYSQL_URL',
  };
  for (const [name, source] of Object.entries(map)) {
    const value = process.env[source];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

describe('README examples', () => {
  after(() => rmSync(tmpDir, { recursive: true, force: true }));

  it('the block extractor finds exactly the marked ts blocks', () => {
    const sample = [
      '# t', '```ts', '// example', "import { x } from 'cjwt';", '```',
      '```ts', "const notRunnable = 1;", '```',
      '```sh', '// example', 'echo no', '```',
      '````typescript', '// example', "import { y } from 'cjwt/store';", '````',
    ].join('\n');
    const found = extractExamples(sample);
    assert.deepEqual(found.map((e) => e.line), [2, 13]);
    assert.equal(found[0]!.code, "// example\nimport { x } from 'cjwt';");
    assert.equal(pointAtSources(found[1]!.code, tmpDir), "// example\nimport { y } from '../../src/store/index.ts';");
    assert.equal(pointAtSources("import a from 'cjwt-other'", tmpDir), "import a from 'cjwt-other'");
    assert.equal(pointAtSources("import { r } from 'cjwt/store/conformance'", tmpDir), "import { r } from '../../src/store/conformance.ts'");
  });

  const readmePath = join(root, 'README.md');
  const examples = existsSync(readmePath) ? extractExamples(readFileSync(readmePath, 'utf8')) : [];

  it('README.md exists', () => {
    assert.equal(existsSync(readmePath), true);
  });

  for (const [index, example] of examples.entries()) {
    it(`README.md example at line ${example.line} runs`, { timeout: 120_000 }, () => {
      mkdirSync(tmpDir, { recursive: true });
      const file = join(tmpDir, `readme-${index}-line-${example.line}.ts`);
      writeFileSync(file, pointAtSources(example.code, tmpDir));
      const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, env: exampleEnv(), encoding: 'utf8', timeout: 110_000 });
      assert.equal(run.status, 0, `example at README.md:${example.line} exited ${String(run.status)}\n${run.stdout}\n${run.stderr}`);
    });
  }
});
