/**
 * Two processes on one embedded PGlite directory: the second is refused
 * (PGlite has no lock of its own; both used to apply every migration, and
 * once corrupted the catalog). A lock left by a killed process is stale
 * and taken over.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { closeDb, createEmbeddedDb } from '../../src/connection/create-db.ts';
import { cli } from '../support/cli.ts';
import { packageRoot } from '../../src/migrate/files.ts';
import { embeddedLockFile } from '../../src/connection/embedded-lock.ts';

const run = promisify(execFile);
const bin = join(packageRoot, 'dist', 'bin.js');
const holderScript = join(packageRoot, 'test', 'support', 'embedded-holder.mjs');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A process that has `dir` open, once it says so. */
async function holder(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [holderScript, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

/** `rag-chat-db <args>` as its own process on the embedded database in `cwd`. */
async function cliProcess(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH };
  return run(process.execPath, [bin, ...args], { cwd, env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

test('a second process on an open directory is refused (exit 3, naming the holder); once the holder is killed, its stale lock is taken over', { timeout: 120_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rcdb-embedded-lock-'));
  const dir = join(cwd, '.rag-chat-db');
  const first = await holder(dir);

  const refused = await cliProcess(['init', '--scope', 'auth'], cwd);
  expect(refused.code).toBe(exitCodes.refused);
  expect(refused.stderr).toContain(`The embedded PGlite database in ${dir} is in use by process ${first.pid} on ${hostname()}`);
  expect(refused.stdout).not.toContain('applied');

  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  expect(existsSync(join(dir, embeddedLockFile))).toBe(true); // killed: it could not clean up

  const after = await cliProcess(['init', '--scope', 'auth'], cwd);
  expect(after.stderr).not.toContain('in use');
  expect(after.code).toBe(0);
  expect(after.stdout).toMatch(/applied \d+ migration/);
  expect(existsSync(join(dir, embeddedLockFile))).toBe(false); // released on close
});

test('a lock file being written (empty, fresh) counts as held; the CLI releases its own on exit', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rcdb-embedded-lock-'));
  const dir = join(cwd, '.rag-chat-db');
  const ok = await cliProcess(['status'], cwd);
  expect(ok.code).toBe(0);
  expect(existsSync(join(dir, embeddedLockFile))).toBe(false);
  writeFileSync(join(dir, embeddedLockFile), '');
  const refused = await cliProcess(['status'], cwd);
  expect(refused.code).toBe(exitCodes.refused);
  expect(refused.stderr).toContain('in use by a process that is still writing its lock file');
});

test("an application's createEmbeddedDb holds the directory too: the CLI is refused until closeDb", { timeout: 60_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rcdb-embedded-lock-'));
  const dir = join(cwd, '.rag-chat-db');
  const db = await createEmbeddedDb(dir);
  try {
    const refused = await cli(['init', '--scope', 'auth'], { cwd });
    expect(refused.code).toBe(exitCodes.refused);
    expect(refused.stderr).toContain(`The embedded PGlite database in ${dir} is in use by process ${process.pid}`);
  } finally {
    await closeDb(db);
  }
  expect(existsSync(join(dir, embeddedLockFile))).toBe(false);
  expect((await cli(['init', '--scope', 'auth'], { cwd })).code).toBe(0);
});
