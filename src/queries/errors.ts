/**
 * The one place where driver errors become this library's errors. drizzle
 * wraps driver errors in a DrizzleQueryError whose message holds the bound
 * parameters (user text); we unwrap to the driver's error and never copy
 * parameters into a message.
 */
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { ConflictError, DatabaseError, NotFoundError, RagChatDbError, ValidationError } from '../errors.ts';

interface DriverError extends Error {
  code?: string;
  constraint_name?: string;
  constraint?: string;
  table_name?: string;
  table?: string;
}

/** The statement did not take effect, and running it again may succeed: serialization failure, deadlock, lock timeout. */
const retryableStates = new Set(['40001', '40P01', '55P03']);
/** No connection was made, so nothing was sent: safe to retry. */
const notConnectedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'CONNECT_TIMEOUT', '57P03', '08001', '08004']);
/** The connection broke while a statement may have been running: a write may or may not have been applied. */
const connectionLostCodes = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', '57P01', '57P02', '08000', '08003', '08006']);

/** An error raised by drizzle or the driver for a statement (not one of ours, not the application's). */
export function isDriverError(error: unknown): boolean {
  if (error instanceof DrizzleQueryError) return true;
  if (!(error instanceof Error) || error instanceof RagChatDbError) return false;
  const code = (error as DriverError).code;
  if (typeof code !== 'string') return false;
  return /^[0-9A-Z]{5}$/.test(code) || notConnectedCodes.has(code) || connectionLostCodes.has(code) || code === 'CONNECTION_ENDED';
}

/** Whether `error`, or an error it wraps, says the connection to the server is gone. */
export function isConnectionLost(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as DriverError).code;
    if (code && (connectionLostCodes.has(code) || code === 'CONNECTION_ENDED')) return true;
    if (current instanceof DatabaseError && current.sqlState && connectionLostCodes.has(current.sqlState)) return true;
  }
  return false;
}

/** What toLibraryError may know about the statement that failed. */
export interface ErrorContext {
  /** The statement only reads, so it is safe to run again after a lost connection. */
  readOnly?: boolean;
}

/** What postgres.js attaches to its errors that may hold user text: the bound values. */
const boundValueKeys = new Set(['parameters', 'args', 'params', 'types']);

/**
 * The driver's error, as the `cause` we keep: same class, message, SQLSTATE
 * and diagnostics (detail, hint, constraint, table, ...), without the bound
 * values postgres.js attaches (it makes them non-deletable, so we copy).
 */
function driverErrorOf(error: unknown): DriverError {
  let current = error;
  while (current instanceof DrizzleQueryError && current.cause) current = current.cause;
  if (!(current instanceof Error) || !Object.getOwnPropertyNames(current).some((key) => boundValueKeys.has(key))) {
    return current as DriverError;
  }
  const copy = Object.create(Object.getPrototypeOf(current)) as DriverError;
  for (const key of Object.getOwnPropertyNames(current)) {
    if (!boundValueKeys.has(key)) {
      Object.defineProperty(copy, key, { ...Object.getOwnPropertyDescriptor(current, key)!, configurable: true });
    }
  }
  return copy;
}

/** Maps any error thrown by a query to a RagChatDbError (already-mapped errors pass through). */
export function toLibraryError(error: unknown, entity = 'row', context: ErrorContext = {}): RagChatDbError {
  if (error instanceof RagChatDbError) return error;
  const driver = driverErrorOf(error);
  const code = driver?.code;
  const constraint = driver?.constraint_name ?? driver?.constraint;
  const options = { cause: driver };
  // A value the database could not take (out of range, bad format): the caller's input. Postgres puts the
  // value itself in such messages, so neither our message nor the kept cause repeats it.
  if (code?.startsWith('22')) {
    return new ValidationError([{ path: [], message: `rejected by the database (SQLSTATE ${code}: ${dataExceptions[code] ?? 'invalid value'})` }], {
      cause: withoutQuotedValues(driver),
    });
  }
  switch (code) {
    case '42501':
      // Row-level security refusing a row names no row, but answering "forbidden" would confirm that the
      // row exists for someone else: the same answer as for a missing row.
      if (/row-level security/.test(driver?.message ?? '')) return new NotFoundError(entity, options);
      break;
    case '23505':
      // An id that is taken, by a row the caller may not be allowed to see: answered as a missing row.
      if (constraint?.endsWith('_pkey') && !Object.hasOwn(conflictMessages, constraint)) return new NotFoundError(entity, options);
      return new ConflictError(`${constraint ? conflictMessages[constraint] ?? `duplicate value for ${constraint}` : 'duplicate value'}`, constraint, options);
    case '23503':
      return new NotFoundError(entity, options);
    case '23514':
    case '23502':
    case '54000':
      return new ValidationError([{ path: [], message: `rejected by the database (SQLSTATE ${code}${constraint ? `, ${constraint}` : ''})` }], options);
  }
  const reason = driver?.message ?? String(error);
  if (code && notConnectedCodes.has(code)) {
    return new DatabaseError(`could not connect to the database (${code}): ${reason}; nothing was sent, a retry is safe`, code, true, options);
  }
  if (code && connectionLostCodes.has(code)) {
    return context.readOnly
      ? new DatabaseError(`the database connection was lost (${code}): ${reason}; the call only reads, a retry is safe`, code, true, options)
      : new DatabaseError(
          `the database connection was lost (${code}) while the statement may have been running: ${reason}; ` +
            'it may or may not have been applied, so check before retrying',
          code,
          false,
          options,
        );
  }
  return new DatabaseError(`database error${code ? ` (${code})` : ''}: ${reason}`, code, code !== undefined && retryableStates.has(code), options);
}

/** The data exceptions our inputs can cause, named without the value. */
const dataExceptions: Record<string, string> = {
  '22001': 'text too long for its column',
  '22003': 'number out of range',
  '22007': 'not a valid date or time',
  '22008': 'date or time out of range',
  '22009': 'invalid time zone',
  '22021': 'not valid UTF-8',
  '22P02': 'invalid value for its type',
  '22P05': 'text that cannot be stored',
};

/** The driver error with quoted values cut from its message and detail (Postgres quotes the offending value). */
function withoutQuotedValues(error: DriverError): DriverError {
  const copy = Object.create(Object.getPrototypeOf(error)) as DriverError;
  for (const key of Object.getOwnPropertyNames(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    if (typeof descriptor.value === 'string' && ['message', 'detail', 'where', 'stack'].includes(key)) {
      descriptor.value = descriptor.value.replace(/"(?:[^"]|"")*"/g, '"…"');
    }
    Object.defineProperty(copy, key, { ...descriptor, configurable: true });
  }
  return copy;
}

const conflictMessages: Record<string, string> = {
  users_email_lower_idx: 'a user with this email already exists',
  // createUser with an auth provider's id (link-users --layout all) that is already ours.
  users_pkey: 'a user with this id already exists',
  message_citations_message_id_citation_index_key: 'two citations of one message have the same citation_index',
  message_feedback_message_id_user_id_key: 'this user already rated this message',
  user_profiles_pkey: 'this user already has a profile',
};

/** Runs a query and maps what it throws. */
export async function mapped<T>(entity: string, run: () => Promise<T>, context: ErrorContext = {}): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toLibraryError(error, entity, context);
  }
}
