/**
 * Input, output and exit codes of the `cjwt` CLI. Every command runs through {@link runAction}, so
 * the contract is the same everywhere: 0 on success, 1 when a token is invalid (stderr shows
 * `CODE: message`), 2 when the arguments or a key file cannot be used.
 */
import { readFileSync } from 'node:fs';
import { isCjwtError } from '../jose/errors.js';

/** The command did what was asked. */
export const EXIT_OK = 0;
/** The token (or ciphertext) is invalid: signature, claims, decryption, format. */
export const EXIT_INVALID = 1;
/** The arguments, an input file or a key file cannot be used. */
export const EXIT_USAGE = 2;

/**
 * Unusable arguments or key material. Exits with {@link EXIT_USAGE}. The message must never hold
 * a secret, key material or a whole token.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Message text of any thrown value, with the stable code first for cjwt errors. */
export function describeError(err: unknown): string {
  if (isCjwtError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs `fn` as a usage step: any failure (a cjwt error included, e.g. a weak key) becomes a
 * {@link UsageError}. For steps that come before there is any token to judge.
 *
 * @example const seconds = asUsage('--exp', () => parseDuration(opts.exp));
 */
export function asUsage<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${what}: ${describeError(err)}`);
  }
}

let stdinTaken = false;

/** Reads all of standard input once; a second reader in the same command is a usage error. */
function readStdin(what: string): string {
  if (stdinTaken) throw new UsageError(`${what}: standard input is already used by another argument`);
  stdinTaken = true;
  try {
    return readFileSync(0, 'utf8');
  } catch (err) {
    throw new UsageError(`${what}: cannot read standard input (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Strips one trailing line ending (as `echo` and most editors add). */
export function stripTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/**
 * A token argument: the text itself, or standard input for `-`. Surrounding whitespace is removed
 * (it is never part of a token). An empty token is an invalid token like any other malformed
 * one: `Invalid` (e.g. `JWSInvalid`, exit 1) when given, else a usage error.
 */
export function readTokenArgument(arg: string, what = 'TOKEN', Invalid?: new (message: string) => Error): string {
  const text = arg === '-' ? readStdin(what) : arg;
  const token = text.trim();
  if (token.length === 0) {
    if (Invalid !== undefined) throw new Invalid('the token is empty');
    throw new UsageError(`${what} is empty`);
  }
  return token;
}

/** A text argument (e.g. `--payload`): the text itself, or standard input for `-` without its trailing newline. */
export function readTextArgument(arg: string, what: string): string {
  return arg === '-' ? stripTrailingNewline(readStdin(what)) : arg;
}

/**
 * Reads a file as UTF-8 text (`-` is standard input). Errors name the file and the reason, never
 * its content.
 */
export function readTextFile(path: string, what: string): string {
  if (path === '-') return readStdin(what);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code ?? 'unreadable';
    throw new UsageError(`${what} ${path}: ${reason}`);
  }
}

/** Writes one result to standard output, ending with a newline. */
export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

// C0 controls but tab and newline, DEL, and C1 controls: enough to move the cursor, clear the
// screen or rewrite a line on a terminal (C1 U+009B is a one-character CSI on some terminals).
// Also the line separators and bidirectional overrides, which make shown text read otherwise
// than it is.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Shows terminal control characters as `\u001b`-style escapes, so text from an unverified token
 * cannot repaint the terminal or fake lines of output.
 * @example escapeControls('a\u001b[2Jb') // 'a\\u001b[2Jb'
 */
export function escapeControls(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes a value to standard output as indented JSON. */
export function writeJSON(value: unknown): void {
  writeOut(JSON.stringify(value, null, 2));
}

/** Writes one line to standard error. */
export function writeErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * Runs a command action and sets the exit code: a {@link UsageError} exits 2 with `error: ...`,
 * a cjwt error exits 1 with `CODE: message`, anything else exits 1 with its message.
 *
 * @example program.command('verify').action((token, opts) => runAction(() => verify(token, opts)));
 */
export async function runAction(fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn();
    process.exitCode = EXIT_OK;
  } catch (err) {
    // Messages may quote a token's header values: they reach the terminal escaped.
    if (err instanceof UsageError) {
      writeErr(escapeControls(`error: ${err.message}`));
      process.exitCode = EXIT_USAGE;
    } else {
      writeErr(escapeControls(describeError(err)));
      process.exitCode = EXIT_INVALID;
    }
  }
}

/** Collects a repeatable option's values, in order (commander argument parser). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
