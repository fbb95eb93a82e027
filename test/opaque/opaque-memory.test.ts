/** The opaque-token flows on the in-memory store (the manager's default). */
import { MemoryTokenStore } from '../../src/store/index.js';
import { runOpaqueScenarios } from './scenarios.js';

runOpaqueScenarios('memory', async () => ({ store: new MemoryTokenStore() }));
