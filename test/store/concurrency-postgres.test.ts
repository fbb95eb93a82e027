/** Cross-process races on one PostgreSQL database (CJWT_TEST_POSTGRES_URL) from four worker processes. */
import { runConcurrencySuite } from './concurrency.js';

runConcurrencySuite('postgres', process.env.CJWT_TEST_POSTGRES_URL);
