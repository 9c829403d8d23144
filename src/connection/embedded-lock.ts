/**
 * One process at a time on an embedded PGlite directory. PGlite keeps no
 * lock of its own: two processes on one directory both applied every
 * migration, and once left a corrupt catalog. The lock is a file in the
 * data directory created with O_EXCL, holding the owner's pid, host and a
 * token. A lock whose process is gone (killed, crashed) is stale and taken
 * over; a lock held by a live process, or by another host (whose processes
 * cannot be checked), refuses the open.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabaseInUseError } from '../errors.ts';

export const embeddedLockFile = 'rag-chat-db.lock';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  token: string;
}

/** A lock file still empty this long after it was written is left by a process that died between creating and writing it. */
const unwrittenStaleMs = 10_000;

/** Whether `dataDir` is a directory another process could open too (not memory://, idb://, ...). */
export function isSharedDirectory(dataDir: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir);
}

/** Takes the lock on `dir` (created if missing); returns its release, which is also run at process exit. */
export function lockEmbeddedDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, embeddedLockFile);
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID() };
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      const release = () => {
        process.removeListener('exit', release);
        if (read(path)?.text.includes(me.token)) unlinkSync(path);
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = read(path);
    if (!current) continue; // released meanwhile
    const owner = parseOwner(current.text);
    if (owner ? isAlive(owner) : Date.now() - current.mtimeMs < unwrittenStaleMs) throw new EmbeddedDatabaseInUseError(dir, path, owner);
    takeOver(path, current.text, me.token);
  }
  throw new EmbeddedDatabaseInUseError(dir, path, undefined);
}

/**
 * Removes a stale lock without removing a fresh one another process wrote
 * after we read the stale one: the file is renamed aside (atomic, so one
 * taker wins), and put back if it turns out not to be the one judged stale.
 */
function takeOver(path: string, staleText: string, token: string): void {
  const aside = `${path}.${token}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  if (read(aside)?.text !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds the lock now; the next read finds it
    }
  }
  unlinkSync(aside);
}

function read(path: string): { text: string; mtimeMs: number } | undefined {
  try {
    return { text: readFileSync(path, 'utf8'), mtimeMs: statSync(path).mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? (value as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
