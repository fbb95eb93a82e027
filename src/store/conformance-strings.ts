/**
 * Strings that break naive stores: SQL and Redis metacharacters, glob and LIKE wildcards, hash
 * tags, NUL bytes, CRLF (RESP injection), unicode, emoji, collation traps and 10 KB values. Every
 * backend must store and find each of them exactly.
 */

/** Name and value of each hostile string. */
export const BAD_INPUT_STRINGS: ReadonlyArray<readonly [string, string]> = [
  ['quotes', `"double" 'single' \`back\``],
  ['sql injection', `'; DROP TABLE tokens; --`],
  ['sql injection 2', `" OR 1=1 --`],
  ['glob star', '*'],
  ['glob class', '[a-z]?'],
  ['like wildcards', '%_%'],
  ['backslashes', '\\\\x\\'],
  ['redis hash tag', '{tag}'],
  ['broken braces', '}{'],
  ['nul bytes', '\u0000nul\u0000byte'],
  ['crlf', '\r\n*3\r\n$3\r\nSET\r\n'],
  ['unicode', 'ünïcödé 日本語 Ελληνικά'],
  ['emoji', '😀👍🏽🇩🇪'],
  ['zero width', '\u200b\ufeff'],
  ['dollar placeholders', '$1 ? :name'],
  ['lua', `]]..redis.call('FLUSHALL')..[[`],
  ['json', '{"$ne":null}'],
  ['spaces', ' padded  '],
  ['10 KB ascii', 'x'.repeat(10 * 1024)],
  ['10 KB unicode', 'é😀'.repeat(1024 * 10 / 6 + 1)],
];

/** Pairs that a case-insensitive or space-padding collation would wrongly treat as equal. */
export const COLLATION_TRAPS: ReadonlyArray<readonly [string, string]> = [
  ['User', 'user'],
  ['pad', 'pad '],
  ['e\u0301', '\u00e9'],
  ['a', 'A'],
];
