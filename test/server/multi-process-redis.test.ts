/** Two `cjwt serve` processes on one Redis server. */
import { testServerUrl } from '../support/server-url.js';
import { runMultiProcessSuite } from './multi-process.js';

runMultiProcessSuite('Redis', testServerUrl('redis', 'two service processes on Redis need a Redis server'));
