/** TokenPairIssuer races from four processes on the postgres test server. */
import { runRefreshRaces } from './race.js';

runRefreshRaces('postgres');
