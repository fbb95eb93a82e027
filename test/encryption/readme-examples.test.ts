/**
 * Runs the ```ts blocks of docs/readme/encryption.md whose first line is `// example` (the seed
 * README's encryption, multi-signature and secure-token examples, ported), with
 * 'cjwt/encryption' pointed at the sources, as test/readme-examples.test.ts will once the
 * section is in README.md.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, 'test', '.tmp-encryption-examples');
const markdown = readFileSync(join(root, 'docs', 'readme', 'encryption.md'), 'utf8');
const blocks = [...markdown.matchAll(/```ts\n(\/\/ example\n[\s\S]*?)```/g)].map((m) => m[1]!);

after(() => rmSync(dir, { recursive: true, force: true }));

test('the section has the five examples', () => {
  assert.equal(blocks.length, 5);
});

blocks.forEach((code, i) => {
  test(`docs/readme/encryption.md example ${i + 1} runs`, () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${i + 1}.ts`);
    writeFileSync(file, code
      .replace(/(['"])cjwt\/(encryption|tokenmaker)\1/g, "'../../src/$2/index.js'")
      .replace(/(['"])cjwt\1/g, "'../../src/index.js'"));
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.ok(run.stdout.length > 0 || code.includes('assert'), 'the example prints or asserts something');
  });
});
