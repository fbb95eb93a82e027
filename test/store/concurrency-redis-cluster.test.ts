/**
 * Cross-process races on a three-master Redis Cluster (CJWT_TEST_REDIS_CLUSTER_URL) from four
 * worker processes: the scripts must stay atomic when every worker routes by slot itself.
 */
import { runConcurrencySuite } from './concurrency.js';

runConcurrencySuite('redis-cluster', process.env.CJWT_TEST_REDIS_CLUSTER_URL);
