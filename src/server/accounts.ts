/**
 * Users and clients: who may log in (`/login`) and which clients may mint (`/issue`) or
 * introspect (`/introspect`). Both live in the users file as scrypt hashes; on first start
 * with no users file an `admin` user and an `admin` client are created with random secrets,
 * returned once to the caller (the CLI prints them) and never stored in clear.
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import { createHmacFunction } from '../jose/hmac.js';
import { LRUCache } from 'lru-cache';
import { createUsersFile, readUsersFile, type UsersFile } from './data-dir.js';
import { hashPassword, verifyPassword, type PasswordHashCost } from './passwords.js';

/** Who logged in. */
export interface AuthenticatedUser {
  subject: string;
  scope: string[];
}

/** Checks a username and password; undefined when they do not match. */
export type Authenticate = (username: string, password: string) => Promise<AuthenticatedUser | undefined>;

/** An authenticated client and what it may do. */
export interface AuthenticatedClient {
  id: string;
  permissions: string[];
}

/** Secrets created on first start: shown once, then only their hashes exist. */
export interface InitialCredentials {
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
}

/** Default scopes of the first-start admin user (`admin` opens the console's Admin page). */
export const ADMIN_SCOPES = 'profile sessions admin';

// A real hash to check against when the user does not exist, so timing does not tell users apart.
let dummyHash: Promise<string> | undefined;

// Resource servers introspect on every request: paying scrypt each time would cap the service at
// a few dozen introspections a second. A successful client check is remembered for a short time,
// keyed by an HMAC (per-process random key) of id and secret, so memory never holds the secret.
const CLIENT_CACHE_TTL_MS = 5 * 60_000;

/** The users file and the checks over it. */
export class Accounts {
  // One-shot HMAC with precomputed pads: createHmac per introspection cost more than the lookup.
  private readonly clientCacheMac = createHmacFunction('sha256', createSecretKey(randomBytes(32)));
  private readonly clientCache = new LRUCache<string, AuthenticatedClient>({ max: 1000, ttl: CLIENT_CACHE_TTL_MS });

  private constructor(private readonly data: UsersFile) {}

  /**
   * Opens the users file, creating it with an admin user and client when it does not exist.
   * `initial` is set only for the process that created it.
   */
  static async open(file: string, cost?: PasswordHashCost): Promise<{ accounts: Accounts; initial?: InitialCredentials }> {
    const existing = await readUsersFile(file);
    if (existing !== undefined) return { accounts: new Accounts(existing) };
    const initial: InitialCredentials = {
      username: 'admin', password: randomBytes(18).toString('base64url'),
      clientId: 'admin', clientSecret: randomBytes(24).toString('base64url'),
    };
    const content: UsersFile = {
      users: { admin: { hash: await hashPassword(initial.password, cost), scope: ADMIN_SCOPES } },
      clients: { admin: { hash: await hashPassword(initial.clientSecret, cost), permissions: ['issue', 'introspect'] } },
    };
    if (await createUsersFile(file, content)) return { accounts: new Accounts(content), initial };
    // Another process created it between our read and write: use theirs.
    return { accounts: new Accounts((await readUsersFile(file))!) };
  }

  /** Accounts held in memory (tests, embedding). */
  static fromData(data: UsersFile): Accounts {
    return new Accounts(data);
  }

  /** Checks a user's password in constant time whether or not the user exists. */
  readonly authenticate: Authenticate = async (username, password) => {
    const user = Object.hasOwn(this.data.users, username) ? this.data.users[username] : undefined;
    if (user === undefined) {
      dummyHash ??= hashPassword(randomBytes(16).toString('base64url'));
      await verifyPassword(password, await dummyHash);
      return undefined;
    }
    if (!(await verifyPassword(password, user.hash))) return undefined;
    return { subject: username, scope: (user.scope ?? '').split(' ').filter((s) => s !== '') };
  };

  /** Checks a client's secret; undefined when the client is unknown or the secret wrong. */
  async authenticateClient(id: string, secret: string): Promise<AuthenticatedClient | undefined> {
    // The length prefix keeps (id, secret) pairs from colliding when either holds the separator.
    const cacheKey = this.clientCacheMac(`${id.length}:${id}:${secret}`).toString('base64url');
    const cached = this.clientCache.get(cacheKey);
    if (cached !== undefined) return { id: cached.id, permissions: [...cached.permissions] };
    const client = Object.hasOwn(this.data.clients, id) ? this.data.clients[id] : undefined;
    if (client === undefined) {
      dummyHash ??= hashPassword(randomBytes(16).toString('base64url'));
      await verifyPassword(secret, await dummyHash);
      return undefined;
    }
    if (!(await verifyPassword(secret, client.hash))) return undefined;
    this.clientCache.set(cacheKey, { id, permissions: [...client.permissions] });
    return { id, permissions: [...client.permissions] };
  }
}
