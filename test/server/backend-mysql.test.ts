/** The token service over real HTTP with its store on mysql. */
import { testServerUrl } from '../support/server-url.js';
import { runBackendSuite } from './backend-suite.js';

const url = testServerUrl('mysql', 'the token service on mysql needs a mysql server');
// One after the other in this file: both reset the same user's sessions on the same server.
runBackendSuite('mysql', url);
runBackendSuite('mysql', url, 'feed');
