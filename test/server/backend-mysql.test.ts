/** The token service over real HTTP with its store on mysql. */
import { testServerUrl } from '../support/server-url.js';
import { runBackendSuite } from './backend-suite.js';

runBackendSuite('mysql', testServerUrl('mysql', 'the token service on mysql needs a mysql server'));
