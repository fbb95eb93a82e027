/** TokenPairIssuer races from four processes on the redis test server. */
import { runRefreshRaces } from './race.js';

runRefreshRaces('redis');
