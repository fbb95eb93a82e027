/**
 * Splitting a large token into chunks (for cookies' 4 KB limit) and putting it back together.
 * The chunk id is a digest of the whole token, so a missing, reordered, altered or foreign chunk
 * is detected on reassembly.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ChunkInvalid } from '../jose/errors.js';

/** A token split into ordered chunks. */
export interface TokenChunks {
  /** 128-bit digest of the whole token (base64url); identifies it and checks the reassembly. */
  chunkId: string;
  /** The token's consecutive pieces; joined in order they give the token back. */
  chunks: string[];
}

/** The chunk id of a token: base64url of the first 16 bytes of its SHA-256. */
export function tokenChunkId(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest().subarray(0, 16).toString('base64url');
}

/**
 * Splits `token` into chunks of at most `maxChunkSize` characters.
 *
 * @throws {ChunkInvalid} when the token is empty or `maxChunkSize` is not a positive integer.
 * @example
 * const { chunkId, chunks } = chunkToken({ token, maxChunkSize: 3000 });
 * reassembleToken({ chunks, chunkId }) === token // true
 */
export function chunkToken(input: { token: string; maxChunkSize: number }): TokenChunks {
  const { token, maxChunkSize } = input;
  if (typeof token !== 'string' || token.length === 0) throw new ChunkInvalid('token must be a non-empty string');
  if (!Number.isInteger(maxChunkSize) || maxChunkSize < 1) throw new ChunkInvalid('maxChunkSize must be a positive integer');
  const chunks: string[] = [];
  for (let i = 0; i < token.length; i += maxChunkSize) chunks.push(token.slice(i, i + maxChunkSize));
  return { chunkId: tokenChunkId(token), chunks };
}

/**
 * Joins chunks made by {@link chunkToken} and checks them against `chunkId`.
 *
 * @throws {ChunkInvalid} when a chunk is missing, reordered, altered, or belongs to another token.
 */
export function reassembleToken(input: { chunks: readonly string[]; chunkId: string }): string {
  const { chunks, chunkId } = input;
  if (!Array.isArray(chunks) || chunks.length === 0) throw new ChunkInvalid('no chunks');
  if (typeof chunkId !== 'string') throw new ChunkInvalid('chunkId must be a string');
  for (const chunk of chunks) {
    if (typeof chunk !== 'string' || chunk.length === 0) throw new ChunkInvalid('every chunk must be a non-empty string');
  }
  const token = chunks.join('');
  const expected = Buffer.from(tokenChunkId(token), 'utf8');
  const given = Buffer.from(chunkId, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new ChunkInvalid('token chunks are missing, reordered or altered');
  }
  return token;
}
