/**
 * Two `cjwt serve` processes on one Redis server with `revocation: 'feed'` (each follows the
 * store's revocation stream). Redis database 5, so the round-trip suite's sessions never mix in.
 */
import { testServerUrl } from '../support/server-url.js';
import { runMultiProcessSuite } from './multi-process.js';

const url = testServerUrl('redis', 'two service processes on Redis need a Redis server');
runMultiProcessSuite('Redis', url === undefined ? undefined : `${url}/5`, 'feed');
