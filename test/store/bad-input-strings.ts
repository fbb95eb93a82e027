/** Hostile strings of the conformance suite, for backend-specific tests. */
export * from '../../src/store/conformance-strings.js';
