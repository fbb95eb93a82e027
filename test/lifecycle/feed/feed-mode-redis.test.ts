/** `revocation: 'feed'` on Redis: a second process revokes; the feed stream brings it here. */
import { RedisTokenStore } from '../../../src/store/index.js';
import { testServerUrl } from '../../support/server-url.js';
import { runFeedModeSuite } from './feed-mode-suite.js';

const url = testServerUrl('redis', 'the feed mode on Redis needs a server');
if (url !== undefined) {
  runFeedModeSuite({
    name: 'redis', open: () => RedisTokenStore.connect(url, { prefix: 'fm_', sweepIntervalMs: 0 }), feedOptions: { url, prefix: 'fm_' }, workerUrl: url, prefix: 'fm_',
  });
}
