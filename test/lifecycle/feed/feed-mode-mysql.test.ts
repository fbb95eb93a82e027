/** `revocation: 'feed'` on MySQL/MariaDB: a second process revokes; the feed polls the log. */
import { MySqlTokenStore } from '../../../src/store/index.js';
import { testServerUrl } from '../../support/server-url.js';
import { runFeedModeSuite } from './feed-mode-suite.js';

const url = testServerUrl('mysql', 'the feed mode on MySQL needs a server');
if (url !== undefined) {
  runFeedModeSuite({
    name: 'mysql', open: () => MySqlTokenStore.connect(url, { tablePrefix: 'fm_', sweepIntervalMs: 0 }), feedOptions: {}, workerUrl: url, prefix: 'fm_',
  });
}
