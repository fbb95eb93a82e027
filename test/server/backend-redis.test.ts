/** The token service over real HTTP with its store on redis. */
import { testServerUrl } from '../support/server-url.js';
import { runBackendSuite } from './backend-suite.js';

runBackendSuite('redis', testServerUrl('redis', 'the token service on redis needs a redis server'));
