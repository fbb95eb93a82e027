/**
 * cjwt: tokens for Node.js. This entry point loads no database driver.
 * @packageDocumentation
 */
export * from './jose/errors.js';
export { encodeBase64url, decodeBase64url, isBase64url } from './jose/base64url.js';
