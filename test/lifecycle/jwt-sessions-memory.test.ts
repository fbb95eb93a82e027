/** JWTManager with a store on the memory backend. */
import { MemoryTokenStore } from '../../src/store/index.js';
import { runJwtSessionSuite } from './jwt-sessions.js';

runJwtSessionSuite('memory', () => Promise.resolve(new MemoryTokenStore()));
