/** Two `cjwt serve` processes on one PostgreSQL server. */
import { testServerUrl } from '../support/server-url.js';
import { runMultiProcessSuite } from './multi-process.js';

runMultiProcessSuite('PostgreSQL', testServerUrl('postgres', 'two service processes on PostgreSQL need a PostgreSQL server'));
