/* global atob */
/**
 * Local decoding of a pasted token: JWS, JWE, nested (a JWT inside a JWE, or inside a JWS) or
 * an opaque cjwt token (`<prefix>_<base62>` with a CRC32 check). Pure functions: nothing here
 * touches the network or the page.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DAY = 86400;

/**
 * Decodes base64url text to bytes.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function base64urlBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Decodes a base64url segment holding JSON.
 * @param {string} segment
 * @param {string} what for the error message
 */
function jsonSegment(segment, what) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(base64urlBytes(segment));
  } catch {
    throw new Error(`the ${what} is not base64url-encoded UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the ${what} is not JSON`);
  }
}

/** CRC32 (IEEE) of ASCII text, as the opaque format computes it. @param {string} text */
function crc32(text) {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i);
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** @param {number} value */
function base62Uint32(value) {
  let n = value >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * Reads an opaque cjwt token: prefix, and whether its CRC32 (the last six characters) matches.
 * @param {string} token
 * @returns {{ prefix: string, checksumOk: boolean } | undefined}
 */
export function opaqueToken(token) {
  const m = /^([A-Za-z][A-Za-z0-9_]{0,31})_([0-9A-Za-z]{16,})$/.exec(token);
  if (m === null) return undefined;
  const body = m[2];
  return { prefix: m[1], checksumOk: base62Uint32(crc32(body.slice(0, -6))) === body.slice(-6) };
}

/**
 * @typedef {object} Decoded
 * @property {string} kind           human-readable kind
 * @property {'jws' | 'jwe' | 'opaque'} format
 * @property {'access' | 'refresh'} verifyAs what to tell /verify
 * @property {number} size           bytes (UTF-8)
 * @property {Record<string, unknown> | undefined} header
 * @property {Record<string, unknown> | undefined} claims
 * @property {string | undefined} payloadNote
 * @property {string[]} warnings
 * @property {string[]} notes
 */

/**
 * Decodes a token and lists what deserves a warning against the service's settings.
 * @param {string} input
 * @param {{ algorithms: string[], max_token_size: number, issuer: string, audiences: string[] }} config
 * @param {number} nowSeconds
 * @returns {Decoded}
 */
export function decodeToken(input, config, nowSeconds) {
  const token = input.trim();
  const size = new TextEncoder().encode(token).length;
  /** @type {Decoded} */
  const out = { kind: 'unknown', format: 'jws', verifyAs: 'access', size, header: undefined, claims: undefined, payloadNote: undefined, warnings: [], notes: [] };
  if (size > config.max_token_size) out.warnings.push(`Over the size limit: ${size} bytes, the service refuses tokens over ${config.max_token_size}.`);
  const parts = token.split('.');
  if (parts.length === 3) {
    out.format = 'jws';
    out.header = jsonSegment(parts[0], 'header');
    let payload;
    try {
      payload = jsonSegment(parts[1], 'payload');
    } catch (err) {
      if (typeof out.header?.cty === 'string' && out.header.cty.toUpperCase() === 'JWT') {
        out.kind = 'Nested JWT (a JWT signed again)';
        out.payloadNote = 'The payload is another JWT; paste it on its own to inspect it.';
        return withAlgWarnings(out, config);
      }
      throw err;
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('the payload is not a JSON object');
    out.kind = out.header?.typ === 'at+jwt' ? 'JWS (signed JWT, access token)' : 'JWS (signed JWT)';
    out.claims = payload;
    withAlgWarnings(out, config);
    claimWarnings(out, payload, config, nowSeconds);
    return out;
  }
  if (parts.length === 5) {
    out.format = 'jwe';
    out.header = jsonSegment(parts[0], 'protected header');
    const nested = typeof out.header?.cty === 'string' && out.header.cty.toUpperCase() === 'JWT';
    out.kind = nested ? 'Nested JWT (signed, then encrypted: JWE around a JWS)' : 'JWE (encrypted)';
    out.payloadNote = 'The content is encrypted: only the holder of the decryption key can read the claims. Verify asks the service.';
    if (out.header?.alg === 'RSA1_5') out.warnings.push('Key management RSA1_5 is obsolete and open to padding-oracle attacks.');
    if (out.header?.zip !== undefined) out.warnings.push('Compressed before encryption (zip): sizes can leak the content.');
    return out;
  }
  const opaque = opaqueToken(token);
  if (opaque !== undefined) {
    out.format = 'opaque';
    out.verifyAs = 'refresh';
    out.kind = opaque.prefix === 'rt' ? 'Opaque refresh token (cjwt format)' : `Opaque token (cjwt format, prefix ${opaque.prefix})`;
    out.payloadNote = 'An opaque token carries no claims: the service looks up its SHA-256.';
    if (!opaque.checksumOk) out.warnings.push('The checksum does not match: the token was mistyped or altered.');
    else out.notes.push('Checksum (CRC32) matches.');
    return out;
  }
  throw new Error(parts.length > 1 ? `a compact token has 3 (JWS) or 5 (JWE) parts; this one has ${parts.length}` : 'not a JWS, JWE or opaque cjwt token');
}

/** @param {Decoded} out @param {{ algorithms: string[] }} config */
function withAlgWarnings(out, config) {
  const alg = out.header?.alg;
  if (alg === 'none') out.warnings.push('alg "none": the token is not signed at all.');
  else if (typeof alg !== 'string') out.warnings.push('The header names no alg.');
  else if (!config.algorithms.includes(alg)) out.warnings.push(`alg ${alg} is not one this service allows (${config.algorithms.join(', ')}).`);
  if (out.header?.kid === undefined) out.notes.push('No kid in the header: the service must try its keys.');
  return out;
}

/**
 * @param {Decoded} out
 * @param {Record<string, any>} claims
 * @param {{ issuer: string, audiences: string[] }} config
 * @param {number} now
 */
function claimWarnings(out, claims, config, now) {
  if (claims.exp === undefined) out.warnings.push('No exp: the token never expires.');
  else if (typeof claims.exp !== 'number') out.warnings.push('exp is not a number.');
  else {
    const start = typeof claims.iat === 'number' ? claims.iat : typeof claims.nbf === 'number' ? claims.nbf : now;
    const lifetime = claims.exp - start;
    if (lifetime > DAY) out.warnings.push(`Very long lifetime: ${Math.round((lifetime / DAY) * 10) / 10} days.`);
    if (claims.exp <= now) out.notes.push('Expired.');
  }
  if (typeof claims.nbf === 'number' && claims.nbf > now) out.notes.push('Not valid yet (nbf is in the future).');
  if (typeof claims.iss === 'string' && claims.iss !== config.issuer) out.notes.push(`Issued by ${claims.iss}, not this service (${config.issuer}).`);
}

/**
 * Which claim check the service most likely refused, from the decoded claims and its settings
 * (the service answers only "claim validation failed").
 * @param {Record<string, any> | undefined} claims
 * @param {{ issuer: string, audiences: string[] }} config
 * @param {number} now
 */
export function failedClaim(claims, config, now) {
  if (claims === undefined) return undefined;
  if (claims.iss !== config.issuer) return `iss is ${JSON.stringify(claims.iss)}, the service expects ${JSON.stringify(config.issuer)}`;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => config.audiences.includes(a))) return `aud is ${JSON.stringify(claims.aud)}, the service accepts ${config.audiences.join(', ')}`;
  if (typeof claims.nbf === 'number' && claims.nbf > now) return 'nbf is in the future';
  if (typeof claims.iat === 'number' && claims.iat > now + 60) return 'iat is in the future';
  return undefined;
}

/**
 * "in 14m 5s" / "3m 2s ago".
 * @param {number} seconds relative to now (negative: past)
 */
export function relativeTime(seconds) {
  const abs = Math.abs(Math.round(seconds));
  const d = Math.floor(abs / DAY);
  const hms = [Math.floor((abs % DAY) / 3600), Math.floor((abs % 3600) / 60), abs % 60];
  const text = d > 0 ? `${d}d ${hms[0]}h ${hms[1]}m` : hms[0] > 0 ? `${hms[0]}h ${hms[1]}m ${hms[2]}s` : hms[1] > 0 ? `${hms[1]}m ${hms[2]}s` : `${hms[2]}s`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}
