/**
 * A second process that revokes: `node --import tsx revoker-worker.ts <storeUrl> <prefix> <count> <idPrefix>`.
 * Writes the records and revokes them one by one on cue (see revoke-one-by-one.ts).
 */
import { createTokenStore } from '../../../src/store/index.js';
import { revokeOneByOne } from './revoke-one-by-one.js';

const [url, prefix, countText, idPrefix] = process.argv.slice(2);
if (url === undefined || prefix === undefined || countText === undefined || idPrefix === undefined) throw new Error('usage: <url> <prefix> <count> <idPrefix>');
const count = Number(countText);
const store = await createTokenStore(url, { tablePrefix: prefix, prefix, sweepIntervalMs: 0 });
await revokeOneByOne(store, count, idPrefix, false);
await store.close();
