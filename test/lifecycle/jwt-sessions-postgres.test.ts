/** JWTManager with a store on the PostgreSQL test server (CJWT_TEST_POSTGRES_URL). */
import { createTokenStore } from '../../src/store/index.js';
import { testServerUrl } from '../support/server-url.js';
import { runJwtSessionSuite } from './jwt-sessions.js';

const url = testServerUrl('postgres', 'JWTManager sessions on PostgreSQL need a server');
if (url !== undefined) runJwtSessionSuite('postgres', () => createTokenStore(url));
