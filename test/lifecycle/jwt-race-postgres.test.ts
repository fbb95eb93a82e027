/** JWTManager races from four processes on the PostgreSQL test server. */
import { testServerUrl } from '../support/server-url.js';
import { runJwtRaceSuite } from './jwt-race.js';

runJwtRaceSuite('postgres', testServerUrl('postgres', 'JWTManager races on PostgreSQL need a server'));
