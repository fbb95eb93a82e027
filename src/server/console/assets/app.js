/* global window, document */
/**
 * The console's entry module: loads the session (cookie, httpOnly: the page only learns who is
 * signed in and its CSRF token), switches sections on the URL hash, and wires each part.
 */
import { setupAdmin } from './admin.js';
import { api, setCsrf } from './api.js';
import { byId, fill } from './dom.js';
import { setupInspector } from './inspector.js';
import { loadSessions, setupSessions } from './sessions.js';

const SECTIONS = ['inspector', 'sessions', 'admin'];
/** @type {{ signed_in: boolean, subject?: string, admin?: boolean }} */
let session = { signed_in: false };
let configPromise;
const getConfig = () => (configPromise ??= api('GET', '/console/api/config'));

const hooks = {
  onSignedIn(next) {
    session = next;
    setCsrf(next.csrf);
    showSession();
    void show('sessions', true);
  },
  onSignedOut(message) {
    void refreshSession().then(() => {
      showSession();
      void show('sessions', true);
      fill(byId('global-status'), message ?? 'Signed out.');
    });
  },
};
const admin = setupAdmin(hooks);

async function refreshSession() {
  session = await api('GET', '/console/api/session');
  setCsrf(session.csrf);
}

function showSession() {
  const signedIn = session.signed_in === true;
  fill(byId('who'), signedIn ? `Signed in as ${session.subject}` : 'Not signed in');
  byId('sign-out').hidden = !signedIn;
  byId('nav-admin').hidden = !(signedIn && session.admin === true);
  byId('sign-in-form').hidden = signedIn;
  byId('my-sessions').hidden = !signedIn;
}

/**
 * Shows one section; `focus` moves keyboard focus to its heading (after a navigation).
 * @param {string} name
 * @param {boolean} focus
 */
async function show(name, focus) {
  const target = SECTIONS.includes(name) ? name : 'inspector';
  if (window.location.hash !== `#${target}`) window.history.replaceState(null, '', `#${target}`);
  for (const id of SECTIONS) {
    byId(id).hidden = id !== target;
    const link = byId(`nav-${id}`);
    if (id === target) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  fill(byId('global-status'));
  admin.stop();
  if (target === 'sessions' && session.signed_in) await loadSessions(hooks);
  if (target === 'admin') {
    const allowed = session.signed_in && session.admin === true;
    byId('admin-denied').hidden = allowed;
    byId('admin-body').hidden = !allowed;
    if (allowed) await admin.start();
  }
  if (focus) {
    if (target === 'sessions' && !session.signed_in) byId('username').focus();
    else byId(`${target}-title`).focus();
  }
}

async function main() {
  // Loaded up front, so decoding a pasted token later makes no request at all.
  await Promise.all([refreshSession(), getConfig()]);
  showSession();
  setupInspector(getConfig);
  setupSessions(hooks);
  byId('sign-out').addEventListener('click', async () => {
    try {
      await api('POST', '/console/api/logout');
    } finally {
      hooks.onSignedOut('Signed out.');
    }
  });
  window.addEventListener('hashchange', () => void show(window.location.hash.slice(1), true));
  await show(window.location.hash.slice(1), false);
  document.body.setAttribute('data-ready', 'true');
}

void main();
