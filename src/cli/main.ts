#!/usr/bin/env node
/** The `cjwt` command-line tool. */
import { Command } from 'commander';

const program = new Command('cjwt').description('Issue, verify and inspect JSON Web Tokens');
program.parse();
