/** JWTManager with a store on the MySQL test server (CJWT_TEST_MYSQL_URL). */
import { createTokenStore } from '../../src/store/index.js';
import { testServerUrl } from '../support/server-url.js';
import { runJwtSessionSuite } from './jwt-sessions.js';

const url = testServerUrl('mysql', 'JWTManager sessions on MySQL need a server');
if (url !== undefined) runJwtSessionSuite('mysql', () => createTokenStore(url));
