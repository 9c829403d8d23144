/** The CLI's .env parser: dotenv's rules, on Node 20.11 too (node:util's parseEnv arrived in 20.12). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadEnvFiles, parseEnvFile } from '../../src/connection/env-file.ts';

describe('parseEnvFile', () => {
  test.each([
    ['plain', 'A=1', { A: '1' }],
    ['export prefix and spaces around =', 'export A = postgres://u@h/db  ', { A: 'postgres://u@h/db' }],
    ['comments, blank lines and an inline comment after an unquoted value', '# c\n\nA=1 # note\nB=2', { A: '1', B: '2' }],
    ['a # inside quotes is kept', `A="p#ss"\nB='x # y'`, { A: 'p#ss', B: 'x # y' }],
    ['\\n expands in double quotes only', `A="a\\nb"\nB='a\\nb'`, { A: 'a\nb', B: 'a\\nb' }],
    ['a quoted value over several lines', 'A="line 1\nline 2"\nB=3', { A: 'line 1\nline 2', B: '3' }],
    ['backticks', 'A=`it\'s "quoted"`', { A: `it's "quoted"` }],
    ['empty values', 'A=\nB=""\nC=', { A: '', B: '', C: '' }],
    ['CRLF line endings', 'A=1\r\nB=2\r\n', { A: '1', B: '2' }],
    ['the last assignment wins', 'A=1\nA=2', { A: '2' }],
    ['= inside the value', 'DATABASE_URL=postgres://u@h/db?sslmode=require&x=y', { DATABASE_URL: 'postgres://u@h/db?sslmode=require&x=y' }],
    ['lines that are not assignments are skipped', 'just words\nA=1', { A: '1' }],
  ])('%s', (_label, text, expected) => {
    expect(parseEnvFile(text)).toEqual(expected);
  });
});

describe('loadEnvFiles', () => {
  test('.env.local overrides .env; a variable already set overrides both', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-envfiles-'));
    writeFileSync(join(cwd, '.env'), 'A=env\nB=env\nC=env\n');
    writeFileSync(join(cwd, '.env.local'), 'B=local\nC=local\n');
    const env: NodeJS.ProcessEnv = { C: 'real' };
    expect(loadEnvFiles(env, cwd)).toEqual([join(cwd, '.env'), join(cwd, '.env.local')]);
    expect(env).toEqual({ A: 'env', B: 'local', C: 'real' });
  });

  test('no files: nothing changes', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFiles(env, mkdtempSync(join(tmpdir(), 'rcdb-envfiles-')))).toEqual([]);
    expect(env).toEqual({});
  });
});
