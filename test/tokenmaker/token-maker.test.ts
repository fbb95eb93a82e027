/**
 * TokenMaker: the seed's example, every kind through one interface (issue, validate by shape,
 * revoke), and refusals: tampering, unconfigured kinds, junk, expiry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Buffer } from 'node:buffer';
import { generateKeyPair, isCjwtError } from '../../src/jose/index.js';
import { TokenMaker, tokenKindOf, type TokenKind, type TokenMakerValidation } from '../../src/tokenmaker/index.js';

const codeOf = (r: TokenMakerValidation): string => (r.valid ? 'valid' : r.error.code);

function flipLast(token: string): string {
  if (token.startsWith('{')) {
    const jwe = JSON.parse(token) as { tag: string };
    const tag = Buffer.from(jwe.tag, 'base64url');
    tag[0]! ^= 1;
    return JSON.stringify({ ...jwe, tag: tag.toString('base64url') });
  }
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.slice(-1)}`;
}

test('seed example: a TokenMaker with a JWT configuration issues JWT and opaque tokens', async () => {
  const { privateKey } = generateKeyPair('RS256');
  const tm = new TokenMaker({ jwt: { key: privateKey } });
  const jwtResp = await tm.generateToken({ type: 'jwt', userId: 'user123', expiresAt: new Date(Date.now() + 24 * 3600 * 1000), customData: { role: 'admin' } });
  assert.equal(tokenKindOf(jwtResp.token), 'jwt');
  const opaqueResp = await tm.generateToken({ type: 'opaque', userId: 'user456', expiresAt: new Date(Date.now() + 12 * 3600 * 1000), customData: { role: 'user' } });
  assert.equal(tokenKindOf(opaqueResp.token), 'opaque');
  const a = await tm.validateToken(jwtResp.token);
  const b = await tm.validateToken(opaqueResp.token);
  assert.ok(a.valid && b.valid);
  assert.deepEqual([a.type, a.userId, a.customData], ['jwt', 'user123', { role: 'admin' }]);
  assert.deepEqual([b.type, b.userId, b.customData], ['opaque', 'user456', { role: 'user' }]);
  assert.ok(tm.getJWTManager() !== undefined && tm.getOpaqueManager() !== undefined);
  await tm.close();
});

test('every kind: issue, validate by shape with one result type, revoke once', async () => {
  const tm = new TokenMaker({ nested: true, secure: true });
  for (const type of ['jwt', 'opaque', 'nested', 'secure'] as TokenKind[]) {
    const issued = await tm.generateToken({ type, userId: 'u-1', ttl: '10m', scope: ['read', 'write'], clientId: 'app', customData: { plan: 'pro' } });
    assert.equal(issued.type, type);
    assert.equal(tokenKindOf(issued.token), type);
    assert.ok(Math.abs(issued.expiresAt.getTime() - Date.now() - 600_000) < 5000, `${type}: expiry`);
    const v = await tm.validateToken(issued.token);
    assert.ok(v.valid, `${type}: ${codeOf(v)}`);
    assert.deepEqual({ type: v.type, tokenId: v.tokenId, userId: v.userId, scope: v.scope, clientId: v.clientId, customData: v.customData },
      { type, tokenId: issued.tokenId, userId: 'u-1', scope: ['read', 'write'], clientId: 'app', customData: { plan: 'pro' } });
    assert.equal(Math.floor(v.expiresAt.getTime() / 1000), Math.floor(issued.expiresAt.getTime() / 1000));

    assert.equal(codeOf(await tm.validateToken(flipLast(issued.token))) === 'valid', false, `${type}: tampered token refused`);

    const revoked = await tm.revokeToken(issued.token, 'logout');
    assert.ok(revoked.success, `${type}: revoke`);
    assert.equal(revoked.success && revoked.tokenId, issued.tokenId);
    assert.equal(codeOf(await tm.validateToken(issued.token)), 'ERR_TOKEN_REVOKED', `${type}: revoked`);
    const again = await tm.revokeToken(issued.token);
    assert.equal(!again.success && again.error.code, 'ERR_TOKEN_ALREADY_REVOKED', `${type}: second revoke`);
  }
  await tm.close();
});

test('refusals: unconfigured kinds, junk, another maker\'s tokens, expired tokens', async () => {
  const only = new TokenMaker({ jwt: false });
  await assert.rejects(only.generateToken({ type: 'jwt', userId: 'u' }), (e) => isCjwtError(e, 'ERR_TOKEN_KIND_NOT_CONFIGURED'));
  await assert.rejects(only.generateToken({ type: 'secure', userId: 'u' }), (e) => isCjwtError(e, 'ERR_TOKEN_KIND_NOT_CONFIGURED'));
  await assert.rejects(only.generateToken({ type: 'magic' as never, userId: 'u' }), (e) => isCjwtError(e, 'ERR_TOKEN_KIND_NOT_CONFIGURED'));
  const other = new TokenMaker({ nested: true, secure: true });
  const jwt = await other.generateToken({ type: 'jwt', userId: 'u' });
  assert.equal(codeOf(await only.validateToken(jwt.token)), 'ERR_TOKEN_KIND_NOT_CONFIGURED');
  assert.equal(codeOf(await only.validateToken('definitely not a token')), 'ERR_TOKEN_MALFORMED');
  assert.equal(codeOf(await only.validateToken(5 as never)), 'ERR_TOKEN_MALFORMED');
  const third = new TokenMaker({ nested: true, secure: true });
  for (const type of ['jwt', 'nested', 'secure'] as TokenKind[]) {
    const foreign = await other.generateToken({ type, userId: 'u' });
    assert.notEqual(codeOf(await third.validateToken(foreign.token)), 'valid', `${type} from another maker`);
  }
  const opaque = await other.generateToken({ type: 'opaque', userId: 'u' });
  assert.equal(codeOf(await third.validateToken(opaque.token)), 'ERR_TOKEN_NOT_FOUND');
  const unrevocable = await third.revokeToken(jwt.token);
  assert.equal(unrevocable.success, false, 'a token that does not validate is not recorded');
  // Expired tokens of every stateless kind.
  const shortLived: Array<{ type: TokenKind; token: string }> = [];
  for (const type of ['jwt', 'nested', 'secure'] as TokenKind[]) {
    const issued = await other.generateToken({ type, userId: 'u', expiresAt: Math.floor(Date.now() / 1000) + 1 });
    assert.equal(codeOf(await other.validateToken(issued.token)), 'valid');
    shortLived.push({ type, token: issued.token });
  }
  await new Promise((resolve) => setTimeout(resolve, 2100));
  for (const { type, token } of shortLived) {
    const r = await other.validateToken(token);
    assert.ok(!r.valid && r.error.code === 'ERR_JWT_EXPIRED', `${type}: ${codeOf(r)}`);
  }
  await Promise.all([only.close(), other.close(), third.close()]);
});
