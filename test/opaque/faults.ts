/**
 * What an outage does to opaque validation, for any backend whose server a test can stop: while
 * the server is down, hung or killed, validateToken rejects with StorageError within a bound and
 * never resolves (so never "valid", never "not found"); after a restart the same manager serves
 * again with the same answers as before.
 */
import assert from 'node:assert/strict';
import { StorageError } from '../../src/jose/index.js';
import type { OpaqueTokenManager } from '../../src/opaque/index.js';

/** Generous over the store's timeout for a loaded 2-core machine: the point is "bounded". */
export const FAULT_TIMEOUT_MS = 800;
const BOUND_MS = FAULT_TIMEOUT_MS + 1500;

/** Asserts that validateToken(token) rejects with a StorageError within the bound. */
export async function validationFails(manager: OpaqueTokenManager, token: string, what: string): Promise<void> {
  const started = Date.now();
  let outcome: unknown;
  try {
    outcome = { resolved: await manager.validateToken(token) };
  } catch (err) {
    outcome = err;
  }
  const elapsed = Date.now() - started;
  assert.ok(outcome instanceof StorageError, `${what}: expected StorageError, got ${JSON.stringify(outcome) ?? String(outcome)}`);
  assert.equal(outcome.code, 'ERR_STORAGE');
  assert.ok(!outcome.message.includes(token), 'the error message holds the token');
  assert.ok(elapsed <= BOUND_MS, `${what}: took ${elapsed} ms (bound ${BOUND_MS} ms)`);
}

/** Retries validateToken until the store answers again (bounded), then returns the answer. */
export async function validateOnceBack(manager: OpaqueTokenManager, token: string): Promise<Awaited<ReturnType<OpaqueTokenManager['validateToken']>>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await manager.validateToken(token);
    } catch (err) {
      assert.ok(err instanceof StorageError, `expected StorageError while reconnecting, got ${String(err)}`);
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The two tokens every fault flow checks: one live, one revoked. */
export interface FaultTokens {
  live: string;
  revoked: string;
}

/** Issues one live and one revoked token and checks both answers before the outage. */
export async function issueFaultTokens(manager: OpaqueTokenManager): Promise<FaultTokens> {
  const live = (await manager.generateToken({ userId: 'fault-user', scope: ['read'] })).token;
  const revoked = (await manager.generateToken({ userId: 'fault-user' })).token;
  assert.ok((await manager.revokeToken(revoked, 'compromised')).success);
  await expectAnswers(manager, { live, revoked });
  return { live, revoked };
}

/** The answers the tokens must get whenever the store is up. */
export async function expectAnswers(manager: OpaqueTokenManager, tokens: FaultTokens): Promise<void> {
  const live = await validateOnceBack(manager, tokens.live);
  assert.equal(live.valid, true);
  const revoked = await validateOnceBack(manager, tokens.revoked);
  assert.ok(!revoked.valid);
  assert.equal(revoked.error.code, 'ERR_TOKEN_REVOKED');
  assert.equal(revoked.tokenInfo?.revokedReason, 'compromised');
}
