/** TokenPairIssuer flows on the sqlite store. */
import { runRefreshFlows } from './flows.js';

runRefreshFlows('sqlite');
