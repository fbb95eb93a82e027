/** `revocation: 'feed'` on PostgreSQL: a second process revokes; LISTEN/NOTIFY brings it here. */
import { PostgresTokenStore } from '../../../src/store/index.js';
import { testServerUrl } from '../../support/server-url.js';
import { runFeedModeSuite } from './feed-mode-suite.js';

const url = testServerUrl('postgres', 'the feed mode on PostgreSQL needs a server');
if (url !== undefined) {
  runFeedModeSuite({
    name: 'postgres', open: () => PostgresTokenStore.connect(url, { tablePrefix: 'fm_', sweepIntervalMs: 0 }), feedOptions: {}, workerUrl: url, prefix: 'fm_',
  });
}
