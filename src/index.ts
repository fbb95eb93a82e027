/**
 * cjwt: tokens for Node.js. JOSE (JWS, JWE, JWT, keys), the KeyRing with rotation and JWKS,
 * and JWTManager. This entry point loads no database driver; stores live in `cjwt/store`.
 * @packageDocumentation
 */
export * from './jose/index.js';
export * from './nested/index.js';
export * from './keys/index.js';
export * from './jwt/index.js';
