/** TokenPairIssuer races from four processes on one SQLite file. */
import { runRefreshRaces } from './race.js';

runRefreshRaces('sqlite');
