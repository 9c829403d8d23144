/**
 * Throwaway databases on the test server. Names start with `rcdb_<pid>_`,
 * the pid of the vitest process that owns them, so a later run can drop the
 * leftovers of a run that was killed.
 */
import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { connectForMigrations, type Queryable } from '../../src/migrate/client.ts';
import { dumpCatalog } from '../../src/migrate/catalog.ts';
import { moduleSource } from '../../src/migrate/files.ts';
import type { ModuleName } from '../../src/migrate/modules.ts';
import { applyMigrations } from '../../src/migrate/runner.ts';
import * as schema from '../../src/schema/index.ts';

export type Sql = postgres.Sql;
export type Db = ReturnType<typeof connectDrizzle>;

const quiet = { onnotice: () => {} } as const;

export function databaseName(ownerPid: number, kind: string): string {
  return `rcdb_${ownerPid}_${kind}_${randomBytes(4).toString('hex')}`;
}

export function urlOf(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, ...quiet });
  try {
    await (template
      ? admin`CREATE DATABASE ${admin(name)} TEMPLATE ${admin(template)}`
      : admin`CREATE DATABASE ${admin(name)}`);
  } finally {
    await admin.end();
  }
  return urlOf(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, ...quiet });
  try {
    await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
  } finally {
    await admin.end();
  }
}

/** Drops the databases of earlier runs whose vitest process is gone (only meaningful on this machine's server). */
export async function dropLeftovers(adminUrl: string): Promise<string[]> {
  const admin = postgres(adminUrl, { max: 1, ...quiet });
  try {
    const rows = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE 'rcdb\\_%'`;
    const stale = rows.map((row) => row.datname).filter((name) => !isAlive(Number(name.split('_')[1])));
    for (const name of stale) await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
    return stale;
  } finally {
    await admin.end();
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function connect(url: string, max = 4): Sql {
  return postgres(url, { max, ...quiet });
}

export function connectDrizzle(client: Sql) {
  return drizzle({ client, schema });
}

/** Applies the modules' migrations in the order given, with our runner. */
export async function installModules(url: string, names: readonly ModuleName[]): Promise<void> {
  const client = await connectForMigrations(url);
  try {
    await applyMigrations(client, names.map((name) => moduleSource(name)));
  } finally {
    await client.close();
  }
}

/** A postgres.js client seen as the runner's Queryable (for dumpCatalog and friends). */
export function queryable(sql: Sql): Queryable {
  return { query: async <T extends object>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[] };
}

/** The catalog dump of the database at `url`, on a connection of its own. */
export async function catalogOf(url: string): Promise<string[]> {
  const sql = connect(url, 1);
  try {
    return await dumpCatalog(queryable(sql));
  } finally {
    await sql.end();
  }
}

/** An empty database for the duration of `fn`. */
export async function withEmptyDatabase<T>(adminUrl: string, ownerPid: number, fn: (url: string) => Promise<T>): Promise<T> {
  const name = databaseName(ownerPid, 'scratch');
  const url = await createDatabase(adminUrl, name);
  try {
    return await fn(url);
  } finally {
    await dropDatabase(adminUrl, name);
  }
}
