/** TokenPairIssuer flows on the mysql store (the test server run-tests.ts starts). */
import { runRefreshFlows } from './flows.js';

runRefreshFlows('mysql');
