/**
 * Opening a database for the query helpers, in Node (`rag-chat-db/node`):
 *
 *   const db = createDb();                  // $DATABASE_URL, postgres.js
 *   const db = await connectDb();           // the same, after waiting out a Neon cold start
 *   const db = await createEmbeddedDb();    // PGlite in ./.rag-chat-db
 *   await closeDb(db);
 *
 * postgres.js is imported statically: this entry is Node with postgres.js,
 * and a project without it gets Node's "Cannot find package 'postgres'" on
 * import. (Loading it with a top-level await, to throw a typed error from
 * createDb instead, would make the entry impossible to bundle to CommonJS,
 * as AWS Lambda bundles are by default, or to require() from CommonJS.)
 * PGlite is imported only when createEmbeddedDb runs; without it, that call
 * throws a MissingDependencyError saying what to install.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { ConnectionConfigError, DatabaseError } from '../errors.ts';
import { toLibraryError } from '../queries/errors.ts';
import * as schema from '../schema/index.ts';
import { connectorFor, connectorOf, firstQuery, socketOption } from './connector.ts';
import { isSharedDirectory, lockEmbeddedDirectory } from './embedded-lock.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { importOptional } from './optional.ts';
import { defaultQueryTimeoutMs, guardClient } from './postgres-js.ts';

/** Every table and relation of the schema: what the databases createDb and createEmbeddedDb open are typed with. */
export type Schema = typeof schema;
/** A drizzle database on postgres.js with the schema, as createDb and connectDb return it; `$client` is the postgres.js pool. */
export type PostgresDatabase = PostgresJsDatabase<Schema> & { $client: postgres.Sql };
/** A drizzle database on PGlite with the schema, as createEmbeddedDb returns it; `$client` is the PGlite instance. */
export type EmbeddedDatabase = PgliteDatabase<Schema> & { $client: PGlite };

/** The options of createDb (and connectDb). */
export interface CreateDbOptions {
  /** A postgres:// URL; `DATABASE_URL` by default. Non-local hosts need sslmode=require or stronger. */
  url?: string;
  /** Pool size (10). */
  max?: number;
  /** Seconds to wait for a connection (10). */
  connectTimeout?: number;
  /** Seconds before an idle connection is closed (20; Neon closes idle ones itself after 5 minutes). */
  idleTimeout?: number;
  /** Prepared statements (true); always off behind PgBouncer transaction mode (a Neon `-pooler` host). */
  prepare?: boolean;
  /** Shown in pg_stat_activity ("rag-chat-db"). */
  applicationName?: string;
  /**
   * Milliseconds a helper waits for the answer to one statement before it
   * fails with a DatabaseError (sqlState "QUERY_TIMEOUT"; retryable for
   * reads, "may have been applied" for writes): 15,000 by default, a budget
   * that fits a web request. 0 waits forever.
   */
  queryTimeout?: number;
  /** Called with the SQL text of every query sent (never its parameters): for tracing and counting round trips. */
  onQuery?: (sql: string) => void;
}

/** A drizzle database on a postgres.js pool, for the helpers: `url` or $DATABASE_URL, with TLS required for non-local hosts and no prepared statements behind PgBouncer. Connects lazily. ConnectionConfigError for a missing or unusable URL. */
export function createDb(options: CreateDbOptions = {}): PostgresDatabase {
  const url = options.url ?? process.env.DATABASE_URL;
  if (!url) throw new ConnectionConfigError('No database URL: pass { url } or set DATABASE_URL.');
  const target = parseDatabaseUrl(url);
  const queryTimeoutMs = options.queryTimeout ?? defaultQueryTimeoutMs;
  if (!Number.isFinite(queryTimeoutMs) || queryTimeoutMs < 0) {
    throw new ConnectionConfigError(`queryTimeout must be a number of milliseconds (0 for none), not ${String(options.queryTimeout)}.`);
  }
  const onQuery = options.onQuery;
  const client = postgres(target.url, {
    ssl: target.ssl,
    max: options.max ?? 10,
    prepare: target.isPooler ? false : (options.prepare ?? true),
    connect_timeout: options.connectTimeout ?? 10,
    idle_timeout: options.idleTimeout ?? 20,
    onnotice: () => {},
    // postgres.js would spend a round trip on every new connection reading array types; no helper binds arrays.
    fetch_types: false,
    connection: { application_name: options.applicationName ?? 'rag-chat-db' },
    ...(onQuery ? { debug: (_connection: number, query: string) => onQuery(query) } : {}),
    ...socketOption(connectorFor(target)), // connects to exactly target.host, with backoff after silent drops
  });
  guardClient(client, { queryTimeoutMs });
  return drizzlePostgres({ client, schema }) as PostgresDatabase;
}

/** The options of connectDb: createDb's, and how many attempts. */
export interface ConnectDbOptions extends CreateDbOptions {
  /** Attempts while the server is unreachable or waking from suspend (4). */
  attempts?: number;
}

/**
 * createDb, then a first query, retried with backoff while the server cannot
 * be reached: a suspended Neon endpoint takes a second or two to wake. Each
 * attempt, connecting included, is bounded by `connectTimeout` as a whole;
 * a client that failed is closed before the next attempt makes a new one.
 */
export async function connectDb(options: ConnectDbOptions = {}): Promise<PostgresDatabase> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    const db = createDb(options);
    try {
      await firstQuery(db.$client);
      return db;
    } catch (error) {
      connectorOf(db.$client)?.close();
      await db.$client.end({ timeout: 0 }).catch(() => {});
      const mappedError = toLibraryError(error);
      const retryable = mappedError instanceof DatabaseError && mappedError.retryable;
      if (!retryable || attempt >= attempts) throw mappedError;
      await sleep(250 * 2 ** (attempt - 1));
    }
  }
}

/**
 * PGlite in `dir` (`./.rag-chat-db` by default; `memory://` for a throwaway one). Install the schema with the CLI's init or migrate().
 * A directory is locked until closeDb (or the process exits): a second process, the CLI included, gets EmbeddedDatabaseInUseError.
 */
export async function createEmbeddedDb(dir = '.rag-chat-db'): Promise<EmbeddedDatabase> {
  const [{ PGlite }, { drizzle }] = await importOptional(
    '@electric-sql/pglite',
    'createEmbeddedDb',
    () => Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]),
    'open a PostgreSQL server with createDb',
  );
  // One process per directory, as the CLI: PGlite has no lock of its own, and two processes corrupt it.
  const release = isSharedDirectory(dir) ? lockEmbeddedDirectory(dir) : () => {};
  let client: PGlite;
  try {
    client = await PGlite.create(dir);
  } catch (error) {
    release();
    throw error;
  }
  const close = client.close.bind(client);
  client.close = async () => {
    try {
      await close();
    } finally {
      release();
    }
  };
  return drizzle({ client, schema }) as EmbeddedDatabase;
}

/** Closes the database's pool or PGlite instance (and releases an embedded directory's lock). */
export async function closeDb(db: PostgresDatabase | EmbeddedDatabase): Promise<void> {
  const client = db.$client as { end?: (options?: { timeout?: number }) => Promise<void>; close?: () => Promise<void> };
  if (typeof client.end === 'function') await client.end({ timeout: 5 });
  else await client.close?.();
}
