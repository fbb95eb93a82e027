/** ValidationChain: every failed rule is reported with its code, over JWT claims and store records. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationChain, ValidationFailed, claimsOfRecord } from '../../src/lifecycle/index.js';

const NOW = 1_800_000_000_000;
const now = (): number => NOW;
const t = Math.floor(NOW / 1000);

describe('ValidationChain', () => {
  const chain = new ValidationChain({
    allowedIssuers: ['example-service'], allowedAudiences: ['example-app'], requiredScopes: ['read', 'write'], clockSkew: '1m', now,
  });

  it('passes claims that meet every rule', () => {
    const result = chain.validate({ iss: 'example-service', aud: ['other', 'example-app'], exp: t + 60, nbf: t, iat: t, scope: 'read write admin' });
    assert.deepEqual(result, { valid: true, failures: [] });
  });

  it('reports every failure with its code, not only the first', () => {
    const result = chain.validate({ iss: 'evil', aud: 'elsewhere', exp: t - 61, nbf: t + 61, scope: ['read'] });
    assert.equal(result.valid, false);
    assert.deepEqual(result.failures.map((f) => [f.rule, f.code]), [
      ['issuer', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['audience', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['expiry', 'ERR_JWT_EXPIRED'],
      ['notBefore', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['scope', 'ERR_INSUFFICIENT_SCOPE'],
    ]);
    assert.match(result.failures[4]!.message, /write/);
  });

  it('clock skew tolerates a token a little past exp; a missing exp fails unless allowed', () => {
    assert.equal(chain.validate({ iss: 'example-service', aud: 'example-app', exp: t - 30, scope: 'read write' }).valid, true);
    assert.deepEqual(new ValidationChain({ now }).validate({}).failures.map((f) => f.rule), ['expiry']);
    assert.equal(new ValidationChain({ now, requireExpiry: false }).validate({}).valid, true);
  });

  it('custom rules run after the built-in ones; a throwing rule fails by name without its message', () => {
    const custom = new ValidationChain({
      now,
      rules: [
        { name: 'admin-only', check: (c) => (c.role === 'admin' ? undefined : 'role must be admin') },
        { name: 'tenant', check: (c) => (c.tenant === 't1' ? undefined : { code: 'ERR_TENANT', message: 'wrong tenant' }) },
        { name: 'explodes', check: () => { throw new Error('secret-token-value'); } },
      ],
    });
    const result = custom.validate({ exp: t + 10, role: 'user', tenant: 't2' });
    assert.deepEqual(result.failures.map((f) => [f.rule, f.code]), [['admin-only', 'ERR_VALIDATION_FAILED'], ['tenant', 'ERR_TENANT'], ['explodes', 'ERR_VALIDATION_FAILED']]);
    assert.ok(!JSON.stringify(result).includes('secret-token-value'));
  });

  it('assert throws ValidationFailed (ERR_VALIDATION_FAILED) carrying every failure', () => {
    assert.throws(() => chain.assert({ iss: 'evil', exp: t + 10, scope: 'read write' }), (err: unknown) => {
      assert.ok(err instanceof ValidationFailed);
      assert.equal(err.code, 'ERR_VALIDATION_FAILED');
      assert.deepEqual(err.failures.map((f) => f.rule), ['issuer', 'audience']);
      return true;
    });
  });

  it('validates a store record (an opaque token) through claimsOfRecord', () => {
    const record = { id: 'tok_1', kind: 'opaque', subject: 'user123', scope: ['read'], issuedAt: NOW - 1000, expiresAt: NOW + 60_000 };
    const scoped = new ValidationChain({ requiredScopes: ['read'], now });
    assert.equal(scoped.validate(claimsOfRecord(record)).valid, true);
    const expired = scoped.validate(claimsOfRecord({ ...record, expiresAt: NOW - 1000, scope: [] }));
    assert.deepEqual(expired.failures.map((f) => f.code), ['ERR_JWT_EXPIRED', 'ERR_INSUFFICIENT_SCOPE']);
  });

  it('refuses a malformed rule at construction and non-object claims at validation', () => {
    assert.throws(() => new ValidationChain({ rules: [{ name: 'x' } as never] }), TypeError);
    assert.deepEqual(chain.validate(null as never).failures.map((f) => f.rule), ['claims']);
  });
});
