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
  switch (code) {
    case '23505':
      return new ConflictError(`${constraint ? conflictMessages[constraint] ?? `duplicate value for ${constraint}` : 'duplicate value'}`, constraint, options);
    case '23503':
      return new NotFoundError(entity, options);
    case '23514':
    case '23502':
    case '22P02':
    case '22P05':
    case '22021':
    case '22001':
    case '22003':
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

const conflictMessages: Record<string, string> = {
  users_email_lower_idx: 'a user with this email already exists',
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
