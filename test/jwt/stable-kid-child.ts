/**
 * One server of a fleet, for manager-stable-kid.test.ts: a JWTManager built from the HMAC secret
 * in CJWT_TEST_SECRET. `sign SUBJECT` prints a token; `verify TOKEN` prints the verdict as JSON.
 */
import { JWTManager } from '../../src/jwt/index.js';

const secret = process.env.CJWT_TEST_SECRET ?? '';
const manager = JWTManager.withHMAC(secret);
const [mode, arg] = process.argv.slice(2);
if (mode === 'sign') {
  const { token } = await manager.generateToken(arg ?? 'nobody');
  process.stdout.write(token);
} else {
  const result = await manager.verifyToken(arg ?? '');
  process.stdout.write(JSON.stringify(result.valid ? { valid: true, sub: result.claims.sub, kid: manager.getKeyInfo() } : { valid: false, code: result.error.code }));
}
