/** TokenPairIssuer flows on the postgres store (the test server run-tests.ts starts). */
import { runRefreshFlows } from './flows.js';

runRefreshFlows('postgres');
