/**
 * `cjwt hash-password`: an scrypt hash for the service's users file, from standard input (so the
 * password never appears in the process list or shell history).
 */
import type { Command } from 'commander';
import { runAction, UsageError, writeOut } from './io.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Registers `cjwt hash-password`. */
export function registerHashPassword(program: Command): void {
  program
    .command('hash-password')
    .description('Print an scrypt hash of the password read from standard input, for the users file of `cjwt serve`')
    .action(() => runAction(async () => {
      const password = await readStdin();
      if (password.length === 0) throw new UsageError('no password on standard input');
      const { hashPassword } = await import('../server/passwords.js');
      writeOut(await hashPassword(password));
    }));
}
