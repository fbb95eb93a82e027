/** The conformance suite lives in src/store/conformance.ts (shipped for custom backends); tests import it from here. */
export * from '../../src/store/conformance.js';
