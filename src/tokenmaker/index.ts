/**
 * `cjwt/tokenmaker`: one interface over JWT, opaque, nested and secure tokens.
 */
export { TokenMaker, tokenKindOf } from './token-maker.js';
export type {
  InvalidTokenMakerToken, SecureKindConfig, TokenKind, TokenMakerConfig, TokenMakerRequest, TokenMakerResponse, TokenMakerRevocation,
  TokenMakerValidation, ValidTokenMakerToken,
} from './types.js';
