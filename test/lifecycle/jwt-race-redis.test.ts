/** JWTManager races from four processes on the Redis test server. */
import { testServerUrl } from '../support/server-url.js';
import { runJwtRaceSuite } from './jwt-race.js';

runJwtRaceSuite('redis', testServerUrl('redis', 'JWTManager races on Redis need a server'));
