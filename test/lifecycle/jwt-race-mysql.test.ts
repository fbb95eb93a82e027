/** JWTManager races from four processes on the MySQL test server. */
import { testServerUrl } from '../support/server-url.js';
import { runJwtRaceSuite } from './jwt-race.js';

runJwtRaceSuite('mysql', testServerUrl('mysql', 'JWTManager races on MySQL need a server'));
