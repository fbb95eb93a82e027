/** `revocation: 'feed'` on the memory store: two managers in one process share the store. */
import { MemoryTokenStore } from '../../../src/store/index.js';
import { runFeedModeSuite } from './feed-mode-suite.js';

const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
runFeedModeSuite({ name: 'memory', open: async () => store, feedOptions: {}, prefix: '' });
