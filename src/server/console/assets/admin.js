/* global URLSearchParams */
/**
 * Admin (scope `admin`): session search with paging and revocation (one, every match, all of a
 * user's), signing keys with rotation, and a few live figures with a small chart.
 */
import { api } from './api.js';
import { drawChart } from './chart.js';
import { byId, dateText, fill, h } from './dom.js';
import { platformOf } from './sessions.js';

const SAMPLES = 40;
const POLL_MS = 3000;

/**
 * Wires the Admin page; returns start/stop for the live figures (polled only while shown).
 * @param {{ onSignedOut: (message?: string) => void }} hooks
 */
export function setupAdmin(hooks) {
  const form = byId('search-form');
  const status = byId('search-status');
  /** Cursors of the pages before the current one (for "Previous"). */
  let previous = [];
  let current = '';
  let next = null;
  let lastQuery = {};

  const query = () => ({
    user: byId('q-user').value.trim(), client: byId('q-client').value.trim(), label: byId('q-label').value.trim(),
    tag: byId('q-tag').value.trim(), status: byId('q-status').value, limit: byId('q-limit').value,
  });
  const fail = (err, what) => {
    if (err.status === 401) hooks.onSignedOut('Your console session has ended. Sign in again.');
    else fill(status, `${what} failed: ${err.message}`);
  };

  const search = async (cursor) => {
    const params = new URLSearchParams(Object.entries(lastQuery).filter(([, v]) => v !== ''));
    if (cursor !== '') params.set('cursor', cursor);
    let data;
    try {
      data = await api('GET', `/console/api/admin/sessions?${params}`);
    } catch (err) {
      fail(err, 'Search');
      return;
    }
    current = cursor;
    next = data.next_cursor;
    const table = byId('search-results');
    table.hidden = false;
    fill(table.tBodies[0], ...data.sessions.map(row));
    const pageNumber = previous.length + 1;
    fill(status, `${data.sessions.length} session${data.sessions.length === 1 ? '' : 's'} on page ${pageNumber}${next === null ? '' : '; more on the next page'}.`);
    byId('page-prev').hidden = previous.length === 0;
    byId('page-next').hidden = next === null;
    const narrowed = ['user', 'client', 'label', 'tag'].some((k) => lastQuery[k] !== '');
    byId('revoke-matching').hidden = !narrowed || data.sessions.length === 0;
    const userButton = byId('revoke-user');
    userButton.hidden = lastQuery.user === '';
    fill(userButton, `Revoke all sessions of ${lastQuery.user}`);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    lastQuery = query();
    previous = [];
    void search('');
  });
  byId('page-next').addEventListener('click', () => {
    if (next === null) return;
    previous.push(current);
    void search(next);
  });
  byId('page-prev').addEventListener('click', () => void search(previous.pop() ?? ''));
  const revokeThen = async (call, what) => {
    try {
      const result = await call();
      await search(current);
      fill(status, `${what}: ${result.revoked} session${result.revoked === 1 ? '' : 's'} revoked.`);
    } catch (err) {
      fail(err, what);
    }
  };
  byId('revoke-matching').addEventListener('click', () => {
    const { user, client, label, tag } = lastQuery;
    void revokeThen(() => api('POST', '/console/api/admin/sessions/revoke', { user, client, label, tag }), 'Revoke all matching');
  });
  byId('revoke-user').addEventListener('click', () => {
    void revokeThen(() => api('POST', `/console/api/admin/users/${encodeURIComponent(lastQuery.user)}/revoke`), `Revoke all sessions of ${lastQuery.user}`);
  });
  byId('search-results').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-session-id]');
    if (button === null) return;
    void revokeThen(() => api('DELETE', `/console/api/admin/sessions/${encodeURIComponent(button.getAttribute('data-session-id'))}`), 'Revoke session');
  });

  byId('rotate-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const grace = Number(byId('rotate-grace').value);
    try {
      const result = await api('POST', '/console/api/admin/keys/rotate', { grace_seconds: grace });
      showKeys(result.keys);
      fill(byId('keys-status'), `Rotated: new signing key ${result.kid}.`);
    } catch (err) {
      fill(byId('keys-status'), `Rotation failed: ${err.message}`);
    }
  });

  const history = { verified: [], refused: [] };
  let last;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  const poll = async () => {
    let m;
    try {
      m = await api('GET', '/console/api/admin/metrics');
    } catch (err) {
      if (err.status === 401) stop();
      return;
    }
    const figure = (term, value, id) => h('div', {}, h('dt', {}, term), h('dd', { id }, value === null ? '—' : String(value)));
    fill(byId('metrics'),
      figure('Tokens issued', m.issued, 'fig-issued'), figure('Verified', m.verified, 'fig-verified'), figure('Refused', m.refused, 'fig-refused'),
      figure('Verify p50 (ms)', m.verify_p50_ms, 'fig-p50'), figure('Verify p99 (ms)', m.verify_p99_ms, 'fig-p99'), figure('Live sessions', m.live_sessions, 'fig-live'));
    if (last !== undefined) {
      history.verified = [...history.verified, m.verified - last.verified].slice(-SAMPLES);
      history.refused = [...history.refused, m.refused - last.refused].slice(-SAMPLES);
    }
    last = m;
    drawChart(byId('metrics-chart'), [{ label: 'accepted per interval', values: history.verified }, { label: 'refused per interval', values: history.refused, dashed: true }]);
  };
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  return {
    async start() {
      await Promise.all([loadKeys(), poll()]);
      stop();
      timer = setInterval(() => void poll(), POLL_MS);
    },
    stop,
  };
}

async function loadKeys() {
  try {
    showKeys((await api('GET', '/console/api/admin/keys')).keys);
  } catch (err) {
    fill(byId('keys-status'), `Could not load keys: ${err.message}`);
  }
}

/** @param {any[]} keys */
function showKeys(keys) {
  fill(byId('keys-table').tBodies[0], ...keys.map((k) => h('tr', {},
    h('td', {}, h('code', {}, k.kid)), h('td', {}, k.alg), h('td', {}, h('span', { className: `badge ${k.status}` }, k.status)),
    h('td', {}, dateText(k.created_at)), h('td', {}, k.status === 'active' ? 'while active' : dateText(k.retire_at)))));
}

/** @param {any} s one session row */
function row(s) {
  const tags = [...Object.entries(s.labels).map(([k, v]) => `${k}=${v}`), ...s.tags.map((t) => `#${t}`)].join(', ');
  return h('tr', { 'data-session': s.id },
    h('td', {}, s.subject), h('td', {}, s.client_id ?? '—'),
    h('td', {}, h('span', { className: `badge ${s.status}` }, s.status), s.revoked_reason === null ? null : ` (${s.revoked_reason})`),
    h('td', {}, `${platformOf(s.device)}${s.device.ip ? `, ${s.device.ip}` : ''}`), h('td', {}, tags === '' ? '—' : tags),
    h('td', {}, dateText(s.created_at)),
    h('td', {}, s.status === 'active'
      ? h('button', { type: 'button', className: 'danger', 'data-session-id': s.id, 'aria-label': `Revoke session ${s.id} of ${s.subject}` }, 'Revoke')
      : null));
}
