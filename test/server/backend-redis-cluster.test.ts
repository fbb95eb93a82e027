/** The token service over real HTTP with its store on redis-cluster. */
import { testServerUrl } from '../support/server-url.js';
import { runBackendSuite } from './backend-suite.js';

const url = testServerUrl('redis-cluster', 'the token service on redis-cluster needs a redis-cluster server');
// One after the other in this file: both reset the same user's sessions on the same server.
runBackendSuite('redis-cluster', url);
runBackendSuite('redis-cluster', url, 'feed');
