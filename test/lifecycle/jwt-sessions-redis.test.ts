/** JWTManager with a store on the Redis test server (CJWT_TEST_REDIS_URL). */
import { createTokenStore } from '../../src/store/index.js';
import { testServerUrl } from '../support/server-url.js';
import { runJwtSessionSuite } from './jwt-sessions.js';

const url = testServerUrl('redis', 'JWTManager sessions on Redis need a server');
if (url !== undefined) runJwtSessionSuite('redis', () => createTokenStore(url));
