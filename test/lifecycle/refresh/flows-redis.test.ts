/** TokenPairIssuer flows on the redis store (the test server run-tests.ts starts). */
import { runRefreshFlows } from './flows.js';

runRefreshFlows('redis');
