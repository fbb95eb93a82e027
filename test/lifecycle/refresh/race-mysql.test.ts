/** TokenPairIssuer races from four processes on the mysql test server. */
import { runRefreshRaces } from './race.js';

runRefreshRaces('mysql');
