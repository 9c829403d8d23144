/**
 * The one database session a migration run uses: postgres.js on a single
 * pinned connection (the advisory lock belongs to it), or an embedded PGlite
 * database. Both run one statement per call.
 */
import type postgres from 'postgres';
import { connectionError, connectorFor, firstQuery, socketOption } from '../connection/connector.ts';
import { type DatabaseTarget, parseDatabaseUrl } from '../connection/database-url.ts';
import { importOptional } from '../connection/optional.ts';
import { isSharedDirectory, lockEmbeddedDirectory } from '../connection/embedded-lock.ts';
import { ConnectionConfigError } from '../errors.ts';
import { isConnectionLost } from './errors.ts';

/** Something that runs SQL text with `$1`-style parameters and returns the rows: a migration client, or a transaction on one. */
export interface Queryable {
  /** Runs one statement and returns its rows. */
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** One database session for the migration functions (connectForMigrations, openEmbedded, embeddedClient): queries, transactions, and close. */
export interface MigrationClient extends Queryable {
  /** Runs `fn` in one transaction on this session; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Ends the session (closes the connection, or the PGlite instance). */
  close(): Promise<void>;
  /** Where it is connected, fit to print (no password). */
  readonly description: string;
}

/** The options of connectForMigrations. */
export interface ConnectOptions {
  /** Seconds for the whole first connection (TCP, TLS, authentication, a first query), 10 by default. */
  connectTimeout?: number;
  /** Accept a PgBouncer transaction-mode URL: only for reading, never for running migrations. */
  allowPooler?: boolean;
}

/**
 * Connects for migrations, and checks the connection with a first query,
 * bounded by `connectTimeout`. Refuses a PgBouncer transaction-mode URL: the
 * advisory lock and `CONCURRENTLY` need a session of their own.
 */
export async function connectForMigrations(url: string, options: ConnectOptions = {}): Promise<MigrationClient> {
  const target = parseDatabaseUrl(url);
  if (target.isPooler && !options.allowPooler) {
    throw new ConnectionConfigError(
      `${target.host} is a PgBouncer transaction-mode (pooled) endpoint; migrations need a session of their own. ` +
        'Use the direct URL (on Neon: the host without "-pooler").',
    );
  }
  return postgresClient(target, options);
}

async function postgresClient(target: DatabaseTarget, options: ConnectOptions): Promise<MigrationClient> {
  const { default: postgres } = await importOptional('postgres', 'Connecting to a PostgreSQL server', () => import('postgres'));
  const connector = connectorFor(target);
  // One session: once the connection that took the advisory lock (and the session's settings) closes, every later
  // query fails instead of postgres.js reconnecting silently, which would go on migrating without the lock.
  let session: 'connecting' | 'open' | 'closing' = 'connecting';
  let lost: Error | undefined;
  const sql = postgres(target.url, {
    max: 1,
    ssl: target.ssl,
    prepare: false,
    idle_timeout: 0,
    max_lifetime: null, // never recycle the connection that holds the lock
    connect_timeout: options.connectTimeout ?? 10,
    onnotice: () => {},
    connection: { application_name: 'rag-chat-db migrate' },
    onclose: () => {
      if (session === 'open') {
        lost ??= connectionError('CONNECTION_CLOSED', `the migration session to ${target.redacted} closed (with it, the migration lock)`);
      }
    },
    ...socketOption(connector),
  });
  const close = async (timeout: number) => {
    session = 'closing';
    try {
      await sql.end({ timeout });
    } finally {
      connector.close();
    }
  };
  try {
    await firstQuery(sql);
  } catch (error) {
    await close(0).catch(() => {});
    throw error;
  }
  session = 'open';
  const queryable = (runner: postgres.Sql | postgres.TransactionSql): Queryable => ({
    query: async <T extends object>(text: string, params: unknown[] = []) => {
      if (lost) throw lost;
      try {
        return (await runner.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[];
      } catch (error) {
        // The socket's error comes before postgres.js's close: a query sent in between would start the reconnect.
        if (isConnectionLost(error) && session === 'open') lost ??= error as Error;
        throw error;
      }
    },
  });
  return {
    ...queryable(sql),
    transaction: async (fn) => {
      if (lost) throw lost;
      return transactionOn(sql, queryable, fn);
    },
    close: () => close(5),
    description: target.redacted,
  };
}

/**
 * `fn` in one transaction on postgres.js. When the connection is lost
 * mid-transaction, postgres.js would send ROLLBACK on the dead connection
 * (and, in 3.4, wait for a reconnect up to connect_timeout, then throw from
 * a timer). The server rolls back on its own: the failed query never
 * settles, postgres.js ends the transaction when the socket closes, and the
 * error that said why is the one thrown.
 */
async function transactionOn<T>(
  sql: postgres.Sql,
  queryable: (runner: postgres.TransactionSql) => Queryable,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  let lost: unknown;
  try {
    return (await sql.begin((tx) => {
      const inner = queryable(tx);
      const guarded: Queryable = {
        query: <R extends object>(text: string, params?: unknown[]) =>
          inner.query<R>(text, params).catch((error: unknown) => {
            if (!isConnectionLost(error)) throw error;
            lost ??= error;
            return new Promise<never>((_resolve, reject) => setTimeout(() => reject(error), 5_000).unref());
          }),
      };
      return fn(guarded);
    })) as T;
  } catch (error) {
    throw lost ?? error;
  }
}

/** An embedded PGlite database in `dir` (created if missing), locked against other processes until `close()`. */
export async function openEmbedded(dir: string): Promise<MigrationClient> {
  const { PGlite } = await importOptional(
    '@electric-sql/pglite',
    'The embedded PGlite database',
    () => import('@electric-sql/pglite'),
    'set DATABASE_URL to use a PostgreSQL server',
  );
  const release = isSharedDirectory(dir) ? lockEmbeddedDirectory(dir) : () => {};
  let client: MigrationClient;
  try {
    client = embeddedClient(await PGlite.create(dir), `embedded PGlite database in ${dir}`);
  } catch (error) {
    release();
    throw error;
  }
  return {
    ...client,
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

/** What the runner uses of a PGlite instance (typed here so this module never imports PGlite). */
export interface PgliteClient {
  /** Runs one statement with parameters. */
  query: PGliteQuery;
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: (tx: { query: PGliteQuery }) => Promise<T>): Promise<T>;
  /** Runs SQL text that may hold several statements, without parameters. */
  exec(text: string): Promise<unknown>;
  /** Closes the database. */
  close(): Promise<void>;
  /** Where the database lives (`memory://` or a directory), if PGlite says. */
  readonly dataDir?: string;
}

/** A drizzle database on PGlite (`drizzle-orm/pglite`): its client is `$client`. */
export interface PgliteDrizzle {
  /** The PGlite instance the drizzle database runs on. */
  $client: PgliteClient;
}

/**
 * A PGlite database, or a drizzle instance on one, as a migration client:
 * how an in-memory (`memory://`) database, which nothing else can open, gets
 * the schema. `close()` closes the PGlite instance.
 */
export function embeddedClient(db: PgliteClient, description = `embedded PGlite database${db.dataDir ? ` in ${db.dataDir}` : ''}`): MigrationClient {
  const queryable = (runner: { query: PGliteQuery }): Queryable => ({
    query: async <T extends object>(text: string, params: unknown[] = []) => (await runner.query<T>(text, params)).rows,
  });
  return {
    ...queryable(db),
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx))),
    close: () => db.close(),
    description,
  };
}

/** Whether `value` is a PGlite instance (it has `exec` and `waitReady`; a MigrationClient has neither). */
export function isPglite(value: unknown): value is PgliteClient {
  return typeof value === 'object' && value !== null && typeof (value as PgliteClient).exec === 'function' && 'waitReady' in value;
}

/** Whether `value` is a drizzle instance on PGlite. */
export function isPgliteDrizzle(value: unknown): value is PgliteDrizzle {
  return typeof value === 'object' && value !== null && isPglite((value as Partial<PgliteDrizzle>).$client);
}

/** The migration client for what `migrate()` and friends were given. */
export function migrationClientOf(target: MigrationTarget): MigrationClient {
  if (isPgliteDrizzle(target)) return embeddedClient(target.$client);
  if (isPglite(target)) return embeddedClient(target);
  return target;
}

/** What the migration functions accept: a client from connectForMigrations / openEmbedded, a PGlite instance, or a drizzle instance on one. */
export type MigrationTarget = MigrationClient | PgliteClient | PgliteDrizzle;

/** PGlite's `query`: SQL text with `$1`-style parameters, resolving to `{ rows }`. */
export type PGliteQuery = <T>(text: string, params?: unknown[]) => Promise<{ rows: T[] }>;
