/**
 * The other process of the feed-mode tests: `fork(feed-mode-worker.ts, [storeUrl, prefix])`.
 * It opens its own store and a round-trip JWTManager on it, says `{ type: 'ready' }`, then runs
 * what it is sent and answers each message with `{ type: 'done', n, at }` (at: epoch ms when the
 * store call returned) or `{ type: 'failed', message }`:
 * - `{ type: 'revokeId', jti, exp }`: JWTManager.revokeTokenById (exp in epoch seconds);
 * - `{ type: 'revokeWhere', filter }`: store.revokeWhere (a subject or family alone is a cutoff);
 * - `{ type: 'exit' }`.
 */
import { JWTManager } from '../../../src/jwt/index.js';
import { createTokenStore, type TokenFilter } from '../../../src/store/index.js';

type Message =
  | { type: 'revokeId'; jti: string; exp: number }
  | { type: 'revokeWhere'; filter: TokenFilter }
  | { type: 'exit' };

const [url, prefix] = process.argv.slice(2);
if (url === undefined || prefix === undefined || process.send === undefined) throw new Error('usage: fork with <storeUrl> <prefix> and an IPC channel');
const send = process.send.bind(process);
const store = await createTokenStore(url, { tablePrefix: prefix, prefix, sweepIntervalMs: 0 });
const manager = new JWTManager({ store, metrics: false, audit: false });

process.on('message', (message: Message) => {
  void (async () => {
    try {
      if (message.type === 'exit') {
        await manager.close();
        await store.close();
        process.exit(0);
      }
      let n = 1;
      if (message.type === 'revokeId') await manager.revokeTokenById(message.jti, message.exp);
      else n = await store.revokeWhere(message.filter);
      send({ type: 'done', n, at: Date.now() });
    } catch (err) {
      send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
send({ type: 'ready' });
