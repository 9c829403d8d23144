/**
 * What this library adds to a postgres.js client: a bound on how long a
 * query may go unanswered, and transactions that survive a lost connection.
 *
 * postgres.js 3.4.9 (the newest 3.4) crashes the process when a connection
 * drops inside `sql.begin`: the failed statement makes `begin` send ROLLBACK
 * (or, after the callback, COMMIT) on the dead connection, and writing to
 * its socket throws an uncatchable TypeError from a timer
 * (porsager/postgres#1154, #1208; fixes proposed in #1168 and #1209, not
 * released). `begin` itself already rejects with CONNECTION_CLOSED when the
 * connection closes. So a guarded transaction never lets that code path run:
 * once the connection is lost, the callback's promise is left unsettled (so
 * postgres.js sends neither ROLLBACK nor COMMIT; the server rolls back the
 * transaction of a closed connection), and any further statement on the
 * transaction fails at once instead of being written to the dead socket.
 * `begin` rejects, and the caller gets a typed DatabaseError.
 */
import type postgres from 'postgres';
import { DatabaseError } from '../errors.ts';
import { isConnectionLost, toLibraryError } from '../queries/errors.ts';

/** How long a helper waits for the database to answer one statement, unless createDb says otherwise (milliseconds). */
export const defaultQueryTimeoutMs = 15_000;

interface ClientSettings {
  /** 0: no bound. */
  queryTimeoutMs: number;
}

/** DatabaseError.sqlState of a statement that got no answer in time. */
export const queryTimeoutCode = 'QUERY_TIMEOUT';

type Client = postgres.Sql | postgres.TransactionSql;

const settings = new WeakMap<object, ClientSettings>();

/** The query timeout of a client (or of the transaction it opened); the default for clients this library did not open. */
export function queryTimeoutOf(client: object): number {
  return settings.get(client)?.queryTimeoutMs ?? defaultQueryTimeoutMs;
}

/**
 * Adds the guards to a postgres.js client: `begin` opens guarded
 * transactions, and queries run by the helpers on it or on its
 * transactions are bounded by `queryTimeoutMs`. Idempotent; the first
 * settings given stay.
 */
export function guardClient(client: postgres.Sql, options: Partial<ClientSettings> = {}): postgres.Sql {
  if (settings.has(client)) return client;
  const own: ClientSettings = { queryTimeoutMs: options.queryTimeoutMs ?? defaultQueryTimeoutMs };
  settings.set(client, own);
  const begin = client.begin.bind(client) as (options: string, fn: (tx: postgres.TransactionSql) => unknown) => Promise<unknown>;
  const guardedBegin = (optionsOrFn: string | ((tx: postgres.TransactionSql) => unknown), maybeFn?: (tx: postgres.TransactionSql) => unknown) => {
    const [beginOptions, fn] = typeof optionsOrFn === 'function' ? ['', optionsOrFn] : [optionsOrFn, maybeFn!];
    const state: TransactionState = { lost: undefined, abandon: () => {} };
    const abandoned = new Promise<never>((_, reject) => (state.abandon = reject));
    const run = begin(beginOptions, (tx) => guarded(tx, state, own, fn)).catch((error: unknown) => {
      if (state.lost !== undefined || isConnectionLost(error)) {
        state.lost ??= error;
        throw toLibraryError(error, 'transaction');
      }
      throw error;
    });
    return Promise.race([run, abandoned]);
  };
  Object.defineProperty(client, 'begin', { value: guardedBegin, configurable: true, writable: true });
  return client;
}

interface TransactionState {
  /** The error that ended the connection, once it is lost. */
  lost: unknown;
  /**
   * Rejects the caller's promise at once: a statement timed out, so the
   * caller is not kept waiting for the ROLLBACK postgres.js then sends on a
   * connection that may be stalled (it completes in the background).
   */
  abandon: (error: unknown) => void;
}

/** Runs the transaction callback with the guards in place; see the module comment. */
function guarded<T>(tx: postgres.TransactionSql, state: TransactionState, own: ClientSettings, fn: (tx: postgres.TransactionSql) => T) {
  settings.set(tx, own);
  guardStatements(tx, state, own);
  const never = new Promise<never>(() => {});
  return Promise.resolve()
    .then(() => fn(tx))
    .then(
      (value) => (state.lost !== undefined ? never : value),
      (error: unknown) => {
        if (state.lost !== undefined || isConnectionLost(error)) {
          state.lost ??= error;
          return never;
        }
        if (error instanceof DatabaseError && error.sqlState === queryTimeoutCode) state.abandon(error);
        throw error;
      },
    );
}

/** After the connection is lost, statements and savepoints on the transaction fail at once, before reaching the socket. */
function guardStatements(tx: postgres.TransactionSql, state: TransactionState, own: ClientSettings) {
  const unsafe = tx.unsafe.bind(tx);
  const savepoint = tx.savepoint.bind(tx) as (name: string, fn: (sp: postgres.TransactionSql) => unknown) => Promise<unknown>;
  Object.defineProperties(tx, {
    unsafe: {
      configurable: true,
      writable: true,
      value: (...args: Parameters<typeof unsafe>) => (state.lost !== undefined ? failedQuery(state.lost) : unsafe(...args)),
    },
    savepoint: {
      configurable: true,
      writable: true,
      value: (nameOrFn: string | ((sp: postgres.TransactionSql) => unknown), maybeFn?: (sp: postgres.TransactionSql) => unknown) => {
        if (state.lost !== undefined) return failedQuery(state.lost);
        const [name, fn] = typeof nameOrFn === 'function' ? ['', nameOrFn] : [nameOrFn, maybeFn!];
        return savepoint(name, (sp) => guarded(sp, state, own, fn));
      },
    },
  });
}

/** A rejected stand-in for a postgres.js query, with the methods drizzle calls on one. */
function failedQuery(lost: unknown) {
  const error = toLibraryError(lost, 'transaction');
  const rejected = Promise.reject(error);
  rejected.catch(() => {});
  return Object.assign(rejected, { values: () => rejected, raw: () => rejected, execute: () => rejected, describe: () => rejected, cancel() {} });
}

/**
 * Runs a postgres.js query, bounded by the client's query timeout. Past it,
 * the query is cancelled (postgres.js sends a cancel request) and the call
 * fails with a DatabaseError: safe to retry when `readOnly`, otherwise it
 * may or may not have been applied. A connection that stalls keeps its slot
 * until TCP gives up on it; the caller does not wait for that.
 */
export async function boundedQuery<T>(client: Client, run: () => postgres.PendingQuery<postgres.Row[]>, readOnly: boolean): Promise<T> {
  const timeoutMs = queryTimeoutOf(client);
  const query = run();
  if (timeoutMs <= 0) return (await query) as T;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      query.cancel();
      query.catch(() => {}); // its own rejection, if the cancel goes through, is not the caller's any more
      reject(
        new DatabaseError(
          `no answer from the database within ${timeoutMs} ms; ` +
            (readOnly ? 'the call only reads, a retry is safe' : 'the statement may or may not have been applied, so check before retrying'),
          queryTimeoutCode,
          readOnly,
        ),
      );
    }, timeoutMs);
  });
  try {
    return (await Promise.race([query, timedOut])) as T;
  } finally {
    clearTimeout(timer);
  }
}
