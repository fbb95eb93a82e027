/* global document */
/**
 * The token inspector: decodes what is pasted, locally and at every keystroke (no request),
 * shows kind, size, header, claims (marked unverified), times with a live countdown and
 * warnings; "Verify" asks the service and shows which check failed.
 */
import { verifyToken } from './api.js';
import { decodeToken, failedClaim, relativeTime } from './decode.js';
import { byId, dateText, fill, h } from './dom.js';

const FORMAT = ['ERR_JWS_INVALID', 'ERR_JWT_INVALID', 'ERR_TOKEN_MALFORMED', 'ERR_JWE_INVALID', 'ERR_TOKEN_TOO_LARGE', 'ERR_INVALID_REQUEST', 'ERR_JOSE_GENERIC', 'ERR_MALFORMED_JSON'];
const REVOCATION = ['ERR_TOKEN_REVOKED', 'ERR_TOKEN_NOT_FOUND', 'ERR_REFRESH_TOKEN_REUSED', 'ERR_FAMILY_EXPIRED'];

/** The checks /verify runs on an access token, in order, with the codes that mean each failed. */
const ACCESS_CHECKS = [
  { name: 'Well-formed token', codes: FORMAT },
  { name: 'Algorithm allowed and signing key known', codes: ['ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JWK_INVALID'] },
  { name: 'Decryption', codes: ['ERR_JWE_DECRYPTION_FAILED'], only: 'jwe' },
  { name: 'Signature', codes: ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED'] },
  { name: 'Claims (issuer, audience, not before, type)', codes: ['ERR_JWT_CLAIM_VALIDATION_FAILED', 'ERR_VALIDATION_FAILED', 'ERR_INSUFFICIENT_SCOPE'], claims: true },
  { name: 'Not expired', codes: ['ERR_JWT_EXPIRED', 'ERR_TOKEN_EXPIRED'] },
  { name: 'Not revoked (its session is still live)', codes: REVOCATION },
];

/** The checks /verify runs on a refresh token. */
const REFRESH_CHECKS = [
  { name: 'Well-formed token', codes: FORMAT },
  { name: 'Known to the service', codes: ['ERR_TOKEN_NOT_FOUND'] },
  { name: 'Not revoked', codes: ['ERR_TOKEN_REVOKED', 'ERR_FAMILY_EXPIRED'] },
  { name: 'Not already used (each refresh token works once)', codes: ['ERR_REFRESH_TOKEN_REUSED'] },
  { name: 'Not expired', codes: ['ERR_TOKEN_EXPIRED'] },
];

const TIME_CLAIMS = ['iat', 'nbf', 'exp', 'auth_time'];

/**
 * Wires the inspector.
 * @param {() => Promise<{ algorithms: string[], max_token_size: number, issuer: string, audiences: string[] }>} getConfig
 */
export function setupInspector(getConfig) {
  const input = byId('token-input');
  const verifyButton = byId('verify-button');
  const decodedBox = byId('decoded');
  const resultBox = byId('verify-result');
  const sizeLine = byId('token-size');
  /** @type {ReturnType<typeof decodeToken> | undefined} */
  let decoded;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ticker;

  const render = async () => {
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
    fill(resultBox);
    const text = input.value.trim();
    decoded = undefined;
    verifyButton.disabled = true;
    if (text === '') {
      fill(decodedBox);
      fill(sizeLine);
      return;
    }
    const config = await getConfig();
    try {
      decoded = decodeToken(text, config, Date.now() / 1000);
    } catch (err) {
      fill(sizeLine, `${new TextEncoder().encode(text).length} bytes`);
      fill(decodedBox, h('p', { className: 'error', id: 'decode-error' }, `Cannot decode: ${err instanceof Error ? err.message : String(err)}.`));
      return;
    }
    verifyButton.disabled = decoded.size > config.max_token_size;
    fill(sizeLine, `${decoded.size} bytes (the service accepts up to ${config.max_token_size})`);
    const parts = [
      h('h2', { id: 'token-kind' }, decoded.kind),
      decoded.warnings.length === 0 ? null : h('ul', { className: 'warnings', id: 'token-warnings', 'aria-label': 'Warnings' }, ...decoded.warnings.map((w) => h('li', {}, `Warning: ${w}`))),
      decoded.notes.length === 0 ? null : h('ul', { className: 'hint', id: 'token-notes' }, ...decoded.notes.map((n) => h('li', {}, n))),
    ];
    if (decoded.header !== undefined) parts.push(h('h3', {}, 'Header ', badge()), h('pre', { id: 'token-header' }, JSON.stringify(decoded.header, null, 2)));
    if (decoded.claims !== undefined) {
      parts.push(h('h3', {}, 'Claims ', badge()), h('pre', { id: 'token-claims' }, JSON.stringify(decoded.claims, null, 2)));
      const times = timeRows(decoded.claims);
      if (times !== null) parts.push(h('h3', {}, 'Times'), times);
    }
    if (decoded.payloadNote !== undefined) parts.push(h('p', { className: 'hint' }, decoded.payloadNote));
    fill(decodedBox, ...parts);
    const countdown = document.getElementById('exp-countdown');
    if (countdown !== null && typeof decoded.claims?.exp === 'number') {
      const exp = decoded.claims.exp;
      const tick = () => fill(countdown, exp * 1000 > Date.now() ? `expires ${relativeTime(exp - Date.now() / 1000)}` : `expired ${relativeTime(exp - Date.now() / 1000)}`);
      tick();
      ticker = setInterval(tick, 1000);
    }
  };

  input.addEventListener('input', () => void render());
  byId('clear-button').addEventListener('click', () => {
    input.value = '';
    void render();
    input.focus();
  });
  verifyButton.addEventListener('click', async () => {
    if (decoded === undefined) return;
    const current = decoded;
    const config = await getConfig();
    fill(resultBox, h('p', {}, 'Verifying…'));
    let answer;
    try {
      answer = await verifyToken(input.value.trim(), current.verifyAs);
    } catch (err) {
      fill(resultBox, h('p', { className: 'error' }, `The service could not be asked: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    showResult(resultBox, current, answer, config);
  });
}

function badge(verified = false) {
  return verified ? h('span', { className: 'badge verified' }, 'verified') : h('span', { className: 'badge unverified' }, 'unverified');
}

/** @param {Record<string, any>} claims */
function timeRows(claims) {
  const rows = TIME_CLAIMS.filter((name) => typeof claims[name] === 'number');
  if (rows.length === 0) return null;
  const dl = h('dl', { className: 'facts', id: 'token-times' });
  for (const name of rows) {
    const value = claims[name];
    const detail = name === 'exp' ? h('span', { id: 'exp-countdown', role: 'timer', 'aria-live': 'off' }) : relativeTime(value - Date.now() / 1000);
    dl.append(h('dt', {}, name), h('dd', {}, h('time', { datetime: new Date(value * 1000).toISOString() }, dateText(value * 1000)), ' (', detail, ')'));
  }
  return dl;
}

/**
 * @param {HTMLElement} box
 * @param {ReturnType<typeof decodeToken>} decoded
 * @param {{ status: number, body: Record<string, any> }} answer
 * @param {{ issuer: string, audiences: string[] }} config
 */
function showResult(box, decoded, answer, config) {
  const checks = (decoded.verifyAs === 'refresh' ? REFRESH_CHECKS : ACCESS_CHECKS).filter((c) => c.only === undefined || c.only === decoded.format);
  const { status, body } = answer;
  if (status === 200 && body.valid === true) {
    fill(box,
      h('h2', { id: 'verify-verdict', className: 'ok' }, 'Valid: the service accepts this token'),
      h('ol', { className: 'checks', id: 'verify-checks' }, ...checks.map((c) => h('li', { className: 'pass' }, `Passed: ${c.name}`))),
      h('h3', {}, 'Claims as the service sees them ', badge(true)),
      h('pre', { id: 'verified-claims' }, JSON.stringify(body.claims, null, 2)));
    for (const el of document.querySelectorAll('#decoded .badge.unverified')) {
      el.className = 'badge verified';
      el.textContent = 'verified';
    }
    return;
  }
  const code = typeof body.code === 'string' ? body.code : `HTTP ${status}`;
  if (status >= 500 || code === 'ERR_STORAGE') {
    fill(box, h('h2', { id: 'verify-verdict', className: 'error' }, 'The service could not check this token now'), h('p', {}, `${code}: ${body.error_description ?? 'try again later'}`));
    return;
  }
  const failedAt = checks.findIndex((c) => c.codes.includes(code));
  const items = checks.map((check, i) => {
    if (failedAt < 0 || i < failedAt) return h('li', { className: failedAt < 0 ? 'skip' : 'pass' }, `${failedAt < 0 ? 'Unknown' : 'Passed'}: ${check.name}`);
    if (i > failedAt) return h('li', { className: 'skip' }, `Not checked: ${check.name}`);
    const why = check.claims === true ? failedClaim(decoded.claims, config, Date.now() / 1000) : undefined;
    return h('li', { className: 'fail', id: 'failed-check' }, `Failed: ${check.name} (${code})${why === undefined ? '' : `: ${why}`}`);
  });
  fill(box,
    h('h2', { id: 'verify-verdict', className: 'error' }, `Refused: ${failedAt < 0 ? code : checks[failedAt].name}`),
    h('ol', { className: 'checks', id: 'verify-checks' }, ...items),
    body.field === undefined ? null : h('p', {}, `Field at fault: ${body.field}`));
}
