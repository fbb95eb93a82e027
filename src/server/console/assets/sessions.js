/**
 * "My sessions": sign in through the service's login, list the user's live sessions with their
 * device facts, revoke one, all others, or all.
 */
import { api } from './api.js';
import { byId, dateText, facts, fill, h } from './dom.js';

const PLATFORMS = [[/Android/i, 'Android'], [/iPhone|iPad|iPod/i, 'iOS'], [/CrOS/i, 'ChromeOS'], [/Windows/i, 'Windows'], [/Mac OS X|Macintosh/i, 'macOS'], [/Linux/i, 'Linux']];

/**
 * The platform of a session: recorded, else read from its user agent.
 * @param {{ platform?: string, userAgent?: string }} device
 */
export function platformOf(device) {
  if (device.platform) return device.platform;
  const found = PLATFORMS.find(([pattern]) => pattern.test(device.userAgent ?? ''));
  return found === undefined ? 'Unknown platform' : found[1];
}

/**
 * Wires the sign-in form and the session list.
 * @param {{ onSignedIn: (session: any) => void, onSignedOut: (message?: string) => void }} hooks
 */
export function setupSessions(hooks) {
  const form = byId('sign-in-form');
  const status = byId('sessions-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = byId('sign-in-error');
    fill(error);
    const button = byId('sign-in-button');
    button.disabled = true;
    try {
      const session = await api('POST', '/console/api/login', { username: byId('username').value, password: byId('password').value });
      byId('password').value = '';
      hooks.onSignedIn(session);
    } catch (err) {
      fill(error, err.code === 'ERR_INVALID_CREDENTIALS' ? 'Wrong username or password.' : `Sign-in failed: ${err.message}`);
      byId('password').focus();
    } finally {
      button.disabled = false;
    }
  });

  const run = async (action, label) => {
    fill(status, `${label}…`);
    try {
      const result = await action();
      if (result.signed_out === true) {
        hooks.onSignedOut(`${label}: done. You are signed out.`);
        return;
      }
      await loadSessions(hooks);
      fill(status, `${label}: ${result.revoked} session${result.revoked === 1 ? '' : 's'} revoked.`);
    } catch (err) {
      if (err.status === 401) hooks.onSignedOut('Your console session has ended. Sign in again.');
      else fill(status, `${label} failed: ${err.message}`);
    }
  };
  byId('reload-sessions').addEventListener('click', () => void loadSessions(hooks).then(() => fill(status, 'List reloaded.')));
  byId('revoke-others').addEventListener('click', () => void run(() => api('POST', '/console/api/sessions/revoke-others'), 'Revoke all other sessions'));
  byId('revoke-all').addEventListener('click', () => void run(() => api('DELETE', '/console/api/sessions'), 'Revoke all sessions'));
  byId('session-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-session-id]');
    if (button === null) return;
    const id = button.getAttribute('data-session-id');
    void run(() => api('DELETE', `/console/api/sessions/${encodeURIComponent(id)}`), 'Revoke session');
  });
}

/**
 * Fetches and shows the signed-in user's sessions.
 * @param {{ onSignedOut: (message?: string) => void }} hooks
 */
export async function loadSessions(hooks) {
  let data;
  try {
    data = await api('GET', '/console/api/sessions');
  } catch (err) {
    if (err.status === 401) hooks.onSignedOut('Your console session has ended. Sign in again.');
    else fill(byId('sessions-status'), `Could not load sessions: ${err.message}`);
    return;
  }
  const list = byId('session-list');
  fill(list, ...data.sessions.map((s) => sessionCard(s)));
  byId('session-list').setAttribute('aria-label', `${data.active_sessions} active session${data.active_sessions === 1 ? '' : 's'}`);
}

/** @param {any} s one session from the API */
function sessionCard(s) {
  const platform = platformOf(s.device);
  const title = `${platform}${s.device.id ? ` · ${s.device.id}` : ''}`;
  return h('li', { className: 'card session', 'data-session': s.id },
    h('h3', {}, title, s.current ? h('span', { className: 'badge current' }, 'this console') : null),
    facts([
      ['Device', s.device.id ?? 'not named'], ['Platform', platform], ['IP', s.device.ip ?? '—'], ['User agent', s.device.userAgent ?? '—'],
      ['Client', s.client_id ?? '—'], ['Signed in', dateText(s.created_at)], ['Last refreshed', s.last_refreshed_at === null ? 'never' : dateText(s.last_refreshed_at)],
      ['Session id', h('code', {}, s.id)],
    ]),
    h('button', { type: 'button', className: s.current ? 'danger' : '', 'data-session-id': s.id, 'aria-label': `Revoke session ${s.id} (${title}, signed in ${dateText(s.created_at)})${s.current ? ', this console: you will be signed out' : ''}` },
      s.current ? 'Revoke (sign out)' : 'Revoke'));
}
