/**
 * What every helper shares: the executor type (a database or a transaction,
 * on any of the drivers listed in `Driver`), input parsing, and running SQL
 * (decoding rows is rows.ts's).
 */
import { entityKind, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTable, PgTransactionConfig } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { z } from 'zod';
import { UnsupportedByDriverError, ValidationError } from '../errors.ts';
import type * as schema from '../schema/index.ts';
import { boundedQuery, guardClient } from '../connection/postgres-js.ts';
import { type ErrorContext, isDriverError, mapped, toLibraryError } from './errors.ts';
import { decodeRow } from './rows.ts';

/**
 * A drizzle database or transaction with our schema: `createDb()`,
 * `createEmbeddedDb()`, your own drizzle instance on one of the drivers in
 * `Driver`, or the `tx` of `db.transaction`.
 */
export type Executor = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Parses input with its zod schema before any SQL runs; bad input becomes a ValidationError listing zod's issues. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ path: issue.path, message: issue.message, code: issue.code })),
      { cause: result.error },
    );
  }
  return result.data;
}

/** The drivers the helpers are tested on, named as in drizzle's import paths. */
export type Driver = 'postgres-js' | 'node-postgres' | 'neon-serverless' | 'neon-http' | 'pglite';

/**
 * drizzle's session classes by their entityKind. A database and each of its
 * transactions (`tx`, savepoints included) hold a session of the same class,
 * so one lookup serves both. Read from the class, never by importing a driver
 * module: those import their driver (pg, PGlite, ...), which an edge bundle
 * may not have.
 */
const sessionDrivers: Record<string, Driver> = {
  PostgresJsSession: 'postgres-js',
  NodePgSession: 'node-postgres',
  NeonSession: 'neon-serverless',
  NeonHttpSession: 'neon-http',
  PgliteSession: 'pglite',
};

/** The driver under a drizzle database or transaction; `undefined` for one we do not know (it then runs through drizzle's public API). */
export function driverOf(db: Executor): Driver | undefined {
  const session = (db as unknown as { session?: object }).session;
  const kind = (session?.constructor as { [entityKind]?: string } | undefined)?.[entityKind];
  return kind === undefined ? undefined : sessionDrivers[kind];
}

/**
 * Why statements bypass drizzle's executor on postgres.js: drizzle sends
 * every query unprepared, and postgres.js then describes the statement in a
 * round trip of its own before executing it, so each query costs two network
 * round trips (measured: 43 ms against 21 ms per query at 20 ms RTT). A
 * prepared statement costs one after its first use. The per-query
 * `prepare: true` is ANDed with the pool's setting, so behind a pooler
 * (createDb turns `prepare` off there) statements stay unprepared. The other
 * drivers send a statement and its parameters in one round trip already
 * (counted on the wire in test/drivers), so they use drizzle's public API.
 */
interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
  session: { client?: unknown };
}

function postgresClientOf(db: Executor): postgres.Sql | undefined {
  return driverOf(db) === 'postgres-js' ? ((db as unknown as DrizzleInternals).session.client as postgres.Sql) : undefined;
}

async function runPrepared(client: postgres.Sql, text: string, params: unknown[], entity: string, context: ErrorContext) {
  return mapped(
    entity,
    async () => [...(await boundedQuery<postgres.Row[]>(client, () => client.unsafe(text, params as never[], { prepare: true }), context.readOnly ?? false))],
    context,
  ) as Promise<Record<string, unknown>[]>;
}

/**
 * Transactions in which row-level security acts for one user: withUser's,
 * and those opened inside them. Helpers that write a message and its
 * citations take two statements there instead of one: message_citations'
 * policy looks the message up, and a row inserted by the same statement is
 * not visible to it (Postgres: the parts of one statement share one
 * snapshot), so the citations would be refused.
 */
const userScoped = new WeakSet<object>();

/** Marks `tx` as acting for one user under row-level security (withUser). */
export function scopeToUser(tx: Executor): void {
  userScoped.add(tx);
}

/** Whether `db` is a transaction acting for one user under row-level security (withUser's, or nested in it). */
export function actsForUser(db: Executor): boolean {
  return userScoped.has(db);
}

/**
 * Runs `fn` in a transaction of `db` (a savepoint when `db` is already a
 * transaction). Errors from the database become this library's errors;
 * anything else `fn` throws reaches the caller unchanged. On postgres.js the
 * client is guarded first (see connection/postgres-js.ts), so a connection
 * lost mid-transaction is a DatabaseError, not a crash of the process.
 *
 * Neon's HTTP driver has no interactive transactions (each statement is a
 * request of its own; `db.batch` sends a fixed list in one). Running `fn`'s
 * statements one by one would half-apply on a failure, so the call is
 * refused before any SQL with an UnsupportedByDriverError naming the
 * alternatives.
 */
export async function transaction<T>(db: Executor, entity: string, fn: (tx: Executor) => Promise<T>, config?: PgTransactionConfig): Promise<T> {
  const driver = driverOf(db);
  if (driver === 'neon-http') {
    throw new UnsupportedByDriverError(
      'neon-http',
      "this call runs several statements in one interactive transaction, which Neon's HTTP driver (drizzle-orm/neon-http) does not have; " +
        'run it on a drizzle-orm/neon-serverless database (a Pool over WebSockets) or any TCP driver. Nothing was sent',
    );
  }
  const client = postgresClientOf(db);
  if (client && typeof (client as { begin?: unknown }).begin === 'function') guardClient(client);
  const own = new WeakSet<object>();
  try {
    return await db.transaction(async (tx) => {
      if (userScoped.has(db)) userScoped.add(tx);
      try {
        return await fn(tx);
      } catch (error) {
        if (error !== null && typeof error === 'object' && !isDriverError(error)) own.add(error);
        throw error;
      }
    }, config);
  } catch (error) {
    if (error !== null && typeof error === 'object' && own.has(error)) throw error;
    throw toLibraryError(error, entity);
  }
}

/** For statements that only read: a lost connection is then safe to retry. */
export const readOnly: ErrorContext = { readOnly: true };

/**
 * Runs raw SQL (one statement, one round trip) and returns its rows, on any
 * of the drivers. `readOnly` statements report a lost connection as safe to
 * retry; writes as possibly applied.
 */
export async function queryRows<T>(db: Executor, query: SQL, entity: string, context: ErrorContext = {}): Promise<T[]> {
  const client = postgresClientOf(db);
  if (client) {
    const { sql: text, params } = (db as unknown as DrizzleInternals).dialect.sqlToQuery(query);
    return (await runPrepared(client, text, params, entity, context)) as T[];
  }
  // postgres.js answers with an array of rows; the other drivers with a result whose `rows` are objects.
  const result = await mapped(entity, () => db.execute(query), context);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** A drizzle query builder whose rows are a table's rows (`select().from(t)`, `insert(t)...returning()`). */
interface TableQuery<TRow> extends PromiseLike<TRow[]> {
  toSQL(): { sql: string; params: unknown[] };
}

/**
 * Runs a drizzle query builder that returns whole rows of `table`: as one
 * prepared statement on postgres.js, decoding each column as drizzle would;
 * on the other drivers through the builder itself.
 */
export async function tableRows<TTable extends PgTable>(
  db: Executor,
  table: TTable,
  query: TableQuery<TTable['$inferSelect']>,
  entity: string,
  context: ErrorContext = {},
): Promise<TTable['$inferSelect'][]> {
  const client = postgresClientOf(db);
  if (!client) return mapped(entity, async () => query, context);
  const { sql: text, params } = query.toSQL();
  const rows = await runPrepared(client, text, params, entity, context);
  return rows.map((row) => decodeRow(table, row));
}
