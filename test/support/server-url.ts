/**
 * The URL of a test server that scripts/run-tests.ts started for the whole run, as the suites
 * that need one read it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

/**
 * The URL run-tests.ts publishes for the test server `server` (the name of its harness in
 * test/support/servers/) in `CJWT_TEST_<SERVER>_URL`. When it is unset, registers one failing
 * test called `title` that says how to start the server, and returns undefined: a suite run
 * without its server must fail, not pass with nothing tested.
 * @example
 * const url = testServerUrl('mysql', 'MySQL conformance needs a server');
 * if (url !== undefined) runConformanceSuite('mysql', (options) => MySqlTokenStore.connect(url, options));
 */
export function testServerUrl(server: string, title: string): string | undefined {
  const variable = `CJWT_TEST_${server.toUpperCase().replaceAll('-', '_')}_URL`;
  const url = process.env[variable];
  if (url !== undefined && url !== '') return url;
  test(title, () => {
    assert.fail(`${variable} is not set: run \`CJWT_TEST_SERVERS=${server} node --import tsx scripts/run-tests.ts ${server}\``);
  });
  return undefined;
}
