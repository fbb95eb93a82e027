/** Cross-process races on one Redis server (CJWT_TEST_REDIS_URL) from four worker processes. */
import { runConcurrencySuite } from './concurrency.js';

runConcurrencySuite('redis', process.env.CJWT_TEST_REDIS_URL);
