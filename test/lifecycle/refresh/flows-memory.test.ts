/** TokenPairIssuer flows on the memory store. */
import { runRefreshFlows } from './flows.js';

runRefreshFlows('memory');
