/**
 * TokenMaker revocation shared through a real Redis: two makers (two servers) with the same keys
 * and one RedisTokenStore; a JWT, nested or secure token revoked on one is refused by the other.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { generateKeyPair } from '../../src/jose/index.js';
import { EncryptionManager, MultiSignatureManager, SecureTokenManager } from '../../src/encryption/index.js';
import { RedisTokenStore } from '../../src/store/index.js';
import { TokenMaker, type TokenKind } from '../../src/tokenmaker/index.js';
import { testServerUrl } from '../support/server-url.js';

const url = testServerUrl('redis', 'TokenMaker revocation over Redis needs a Redis server');

if (url !== undefined) {
  const prefix = `tm-${randomBytes(4).toString('hex')}:`;
  const stores: RedisTokenStore[] = [];
  after(async () => { await Promise.all(stores.map((s) => s.close())); });

  test('a revocation on one maker is seen by another sharing the Redis store', async () => {
    const storeA = await RedisTokenStore.connect(url, { prefix });
    const storeB = await RedisTokenStore.connect(url, { prefix });
    stores.push(storeA, storeB);
    const { privateKey } = generateKeyPair('ES256');
    const dirKey = randomBytes(32);
    const storageKey = randomBytes(32);
    const em = new EncryptionManager();
    const keyset = em.save(storageKey);
    const signerKey = generateKeyPair('ES256').privateKey;
    const secure = (): SecureTokenManager => new SecureTokenManager({
      encryption: new EncryptionManager({ keyset: { saved: keyset, storageKey } }),
      signatures: new MultiSignatureManager({ signers: [{ id: 'issuer', algorithm: 'ES256', key: signerKey }] }),
    });
    const config = (store: RedisTokenStore): ConstructorParameters<typeof TokenMaker>[0] => ({
      jwt: { key: privateKey, keyId: 'k1' }, nested: { key: privateKey, keyId: 'k1', encryption: { key: dirKey } },
      secure: { manager: secure(), signers: [{ id: 'issuer' }] }, opaque: { store }, revocationStore: store,
    });
    const a = new TokenMaker(config(storeA));
    const b = new TokenMaker(config(storeB));
    for (const type of ['jwt', 'nested', 'secure', 'opaque'] as TokenKind[]) {
      const { token, tokenId } = await a.generateToken({ type, userId: 'shared-user', ttl: 300 });
      assert.equal((await b.validateToken(token)).valid, true, `${type}: valid on b`);
      const revoked = await a.revokeToken(token, 'logout');
      assert.ok(revoked.success && revoked.tokenId === tokenId, `${type}: revoked on a`);
      const onB = await b.validateToken(token);
      assert.equal(!onB.valid && onB.error.code, 'ERR_TOKEN_REVOKED', `${type}: refused on b`);
      const record = await storeB.get(tokenId);
      assert.equal(record?.revokedReason, 'logout');
      assert.ok(record !== undefined && !JSON.stringify(record).includes(token), 'the store never holds the token');
    }
  });
}
