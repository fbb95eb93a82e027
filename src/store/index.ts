/**
 * `cjwt/store`: the TokenStore interface and its backends. Each backend loads its driver only
 * when constructed, so importing this module loads none.
 * @packageDocumentation
 */
export type * from './types.js';
export { StorageError } from '../jose/errors.js';
