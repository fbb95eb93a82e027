/**
 * Key layout of {@link RedisTokenStore}. Every key carries a Redis Cluster hash tag, so each
 * multi-key Lua script touches exactly one slot:
 *
 * | key | type | content |
 * | --- | --- | --- |
 * | `P{s:S}:r:<id>` | hash | one record (S = subject tag) |
 * | `P{s:S}:z` | sorted set | the subject's record ids, score `issuedAt` |
 * | `P{s:S}:ev` | hash | cluster only: sessions an addSession call chose to evict, for one call's deadline |
 * | `P{i:I}` | string | id pointer: S of the record with this id |
 * | `P{h:H}` | string | hash pointer: S followed by the record's id |
 * | `P{h:H}:l` | string | cluster only: claim lease of the hash pointer, for one call's deadline |
 * | `P{f:F}:z` | sorted set | the family's members (id + S), score `issuedAt` |
 * | `P{g}:z` | sorted set | every record's member (id + S), score `issuedAt` |
 * | `P{g}:x` | sorted set | every record's member, score `expiresAt` (for cleanup) |
 *
 * S and F are the base64url SHA-256 of the subject and family id: a fixed 43-character alphabet
 * that can never contain `{` or `}`, whatever the caller's strings hold. I and H, the tags of
 * the keys every point read starts at, skip the digest when they can: an id or token hash of at
 * most 64 base64url characters (what token hashes and generated ids are) is its own tag behind
 * a `.`, which no digest contains, so the two forms never name the same key.
 */
import { createHash } from 'node:crypto';
import { StoreInputInvalid } from '../../jose/errors.js';

/** Length of a tag digest (base64url of 32 bytes). */
export const TAG_LENGTH = 43;

/** SHA-256 of a string's UTF-8 bytes, base64url: the content of a hash tag. */
export function tagDigest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

const PLAIN_TAG = /^[A-Za-z0-9_-]{1,64}$/;

/** The tag of an id or hash pointer: the value itself behind a `.` when plain, else its digest. */
export function pointerTag(value: string): string {
  return PLAIN_TAG.test(value) ? `.${value}` : tagDigest(value);
}

/** Throws unless the prefix keeps the hash tags intact (no braces). */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new StoreInputInvalid('redis key prefix must be a string without { or }');
  }
  return prefix;
}

/** Builds the store's key names under one prefix. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The revocation feed stream (redis-feed-scripts.ts derives the same name in Lua). */
  feedStream(): string {
    return `${this.prefix}{feed}`;
  }

  /** Prefix of every record key of the subject with tag `s`: append the raw id. */
  recordPrefix(s: string): string {
    return `${this.prefix}{s:${s}}:r:`;
  }

  record(s: string, id: string): string {
    return this.recordPrefix(s) + id;
  }

  subjectIndex(s: string): string {
    return `${this.prefix}{s:${s}}:z`;
  }

  /** Cluster only: the subject's eviction claims (see redis-cluster-scripts.ts). */
  sessionClaims(s: string): string {
    return `${this.prefix}{s:${s}}:ev`;
  }

  idPointer(id: string): string {
    return `${this.prefix}{i:${pointerTag(id)}}`;
  }

  hashPointer(hash: string): string {
    return `${this.prefix}{h:${pointerTag(hash)}}`;
  }

  /** Cluster only: the claim lease of a hash pointer (same slot), held while its record is written. */
  hashClaimLease(hash: string): string {
    return `${this.hashPointer(hash)}:l`;
  }

  familyIndex(familyId: string): string {
    return `${this.prefix}{f:${tagDigest(familyId)}}:z`;
  }

  globalIndex(): string {
    return `${this.prefix}{g}:z`;
  }

  expiryIndex(): string {
    return `${this.prefix}{g}:x`;
  }
}

/**
 * The member of the family and global indexes: the id with NUL escaped as NUL+U+0001, a NUL+NUL
 * terminator, then the subject tag. Redis orders equal scores by member bytes, and this encoding
 * keeps the ids' code-point order (a shorter id sorts first, NUL before every other character),
 * so the indexes list records in `issuedAt`, `id` order by themselves.
 */
export function encodeMember(id: string, s: string): string {
  return `${id.replaceAll('\0', '\0\u0001')}\0\0${s}`;
}

/** Splits a member made by {@link encodeMember}; undefined when it is not one. */
export function decodeMember(member: string): { id: string; s: string } | undefined {
  let id = '';
  for (let i = 0; i < member.length; i++) {
    const ch = member[i];
    if (ch !== '\0') {
      id += ch;
      continue;
    }
    const next = member[i + 1];
    if (next === '\0') {
      const s = member.slice(i + 2);
      return s.length === TAG_LENGTH ? { id, s } : undefined;
    }
    if (next !== '\u0001') return undefined;
    id += '\0';
    i++;
  }
  return undefined;
}

/** The value of a hash pointer: subject tag, then id. */
export function encodeHashPointer(s: string, id: string): string {
  return s + id;
}

/** Splits a hash pointer value; undefined when malformed. */
export function decodeHashPointer(value: string): { s: string; id: string } | undefined {
  if (value.length <= TAG_LENGTH) return undefined;
  return { s: value.slice(0, TAG_LENGTH), id: value.slice(TAG_LENGTH) };
}
