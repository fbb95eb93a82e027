import type { Harness, Row } from './harness.js';
/** Placeholder until the multi-signature manager exists. */
export async function multiSignatureRows(_h: Harness): Promise<Row[]> { return []; }
