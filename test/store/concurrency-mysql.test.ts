/** Cross-process races on one MariaDB database (CJWT_TEST_MYSQL_URL) from four worker processes. */
import { runConcurrencySuite } from './concurrency.js';

runConcurrencySuite('mysql', process.env.CJWT_TEST_MYSQL_URL);
