/** The token service over real HTTP with its store on redis-cluster. */
import { testServerUrl } from '../support/server-url.js';
import { runBackendSuite } from './backend-suite.js';

runBackendSuite('redis-cluster', testServerUrl('redis-cluster', 'the token service on redis-cluster needs a redis-cluster server'));
