#!/usr/bin/env node
/**
 * The `cjwt` command-line tool: keygen, sign, verify, decode, encrypt, decrypt. Exit codes: 0 on
 * success, 1 when a token is invalid (stderr: `CODE: message`), 2 for unusable arguments or keys.
 */
import { Command, CommanderError } from 'commander';
import { registerDecode } from './decode.js';
import { registerDecrypt } from './decrypt.js';
import { registerEncrypt } from './encrypt.js';
import { registerHashPassword } from './hash-password.js';
import { EXIT_OK, EXIT_USAGE } from './io.js';
import { registerKeygen } from './keygen.js';
import { registerServe } from './serve.js';
import { registerSign } from './sign.js';
import { registerVerify } from './verify.js';

/** Builds the `cjwt` program with every command registered. */
function buildProgram(): Command {
  const program = new Command('cjwt')
    .description('Issue, verify and inspect JSON Web Tokens (JWS, JWE, JWK)')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 done (token valid); 1 invalid token (stderr: CODE: message); 2 unusable arguments or key file.')
    // Commander's own errors (unknown option, missing argument) are usage errors: exit 2.
    .exitOverride();
  registerKeygen(program);
  registerSign(program);
  registerVerify(program);
  registerDecode(program);
  registerEncrypt(program);
  registerDecrypt(program);
  registerServe(program);
  registerHashPassword(program);
  return program;
}

// `cjwt decode ... | head -1` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
  throw err;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  } else {
    throw err;
  }
}
