/**
 * PEM import and export: PKCS#8, SPKI, PKCS#1 (RSA private and public), SEC1 (EC private), and
 * X.509 certificates (their public key).
 */
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { JOSENotSupported, JWKInvalid } from '../errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Splits text into its PEM blocks (label and the whole block text). */
export function findPEMBlocks(text: string): Array<{ label: string; pem: string }> {
  const out: Array<{ label: string; pem: string }> = [];
  for (const m of text.matchAll(PEM_BLOCK)) out.push({ label: m[1] ?? '', pem: m[0] });
  return out;
}

/**
 * Imports one PEM key, detecting its kind from the label: `PRIVATE KEY` (PKCS#8),
 * `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1), `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY`
 * (PKCS#1) or `CERTIFICATE`. Encrypted private keys are refused (there is no passphrase here).
 *
 * @throws {JWKInvalid} when the text is not a usable PEM key.
 * @example const publicKey = importPEM(fs.readFileSync('key.pub', 'utf8'));
 */
export function importPEM(pem: string): KeyObject {
  if (typeof pem !== 'string') throw new JWKInvalid('PEM must be a string');
  const blocks = findPEMBlocks(pem);
  const block = blocks[0];
  if (block === undefined) throw new JWKInvalid('no PEM block found');
  if (blocks.length > 1) throw new JWKInvalid('expected one PEM block, found several');
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.pem)) {
    throw new JOSENotSupported('encrypted PEM private keys are not supported');
  }
  try {
    if (block.label.endsWith('PRIVATE KEY')) return createPrivateKey({ key: block.pem, format: 'pem' });
    if (block.label.endsWith('PUBLIC KEY') || block.label === 'CERTIFICATE') return createPublicKey({ key: block.pem, format: 'pem' });
  } catch (err) {
    throw new JWKInvalid(`PEM ${block.label} could not be imported: ${(err as Error).message}`);
  }
  throw new JWKInvalid(`unsupported PEM block "${block.label}"`);
}

/**
 * Exports a key as PEM. Private keys default to PKCS#8 and public keys to SPKI; `pkcs1` gives
 * `RSA PRIVATE KEY` / `RSA PUBLIC KEY`, `sec1` gives `EC PRIVATE KEY`; `spki` on a private key
 * exports its public half.
 *
 * @example exportPEM(privateKey, 'spki') // '-----BEGIN PUBLIC KEY-----\n...'
 */
export function exportPEM(key: KeyObject, format?: 'pkcs8' | 'spki' | 'pkcs1' | 'sec1'): string {
  if (!(key instanceof KeyObject)) throw new JWKInvalid('exportPEM expects a KeyObject');
  if (key.type === 'secret') throw new JOSENotSupported('secret keys have no PEM form');
  try {
    if (key.type === 'private') {
      const type = format ?? 'pkcs8';
      if (type === 'spki') return createPublicKey(key).export({ format: 'pem', type: 'spki' }) as string;
      return key.export({ format: 'pem', type }) as string;
    }
    const type = format ?? 'spki';
    if (type !== 'spki' && type !== 'pkcs1') throw new JOSENotSupported(`a public key cannot be exported as ${type}`);
    return key.export({ format: 'pem', type }) as string;
  } catch (err) {
    if (err instanceof JOSENotSupported) throw err;
    throw new JOSENotSupported(`key cannot be exported as ${format ?? 'PEM'}: ${(err as Error).message}`);
  }
}
