/**
 * Retrying a migration step that hit lock_timeout (SQLSTATE 55P03): on Neon
 * and elsewhere, an ALTER TABLE waiting behind a long transaction fails
 * after --lock-timeout rather than queueing every reader behind it; most
 * such waits are short, so the step is tried again after a backoff
 * (1 s, 2 s, 4 s, ... at most 30 s, each shortened by up to half at
 * random), up to `retries` more times. Any other error is not retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How many more times a file that hit lock_timeout is tried, by default (RunOptions.lockRetries). */
export const defaultLockRetries = 3;
/** The first backoff before such a retry, in ms, doubled each time, by default (RunOptions.lockRetryDelayMs). */
export const defaultLockRetryDelayMs = 1_000;
const maxDelayMs = 30_000;

/** lock_not_available: lock_timeout expired (or NOWAIT found the lock taken). */
export function isLockTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '55P03';
}

export interface LockRetryOptions {
  /** Further attempts after the first, `defaultLockRetries` when absent. */
  retries?: number;
  /** The first backoff, doubled each time; `defaultLockRetryDelayMs` when absent. */
  delayMs?: number;
  /** Told before each backoff: which attempt comes next (2 for the first retry), of how many, after how long. */
  onRetry?: (attempt: number, attempts: number, delayMs: number) => void;
  /** Runs after the backoff, before the next attempt (to clear what the failed one left, such as an INVALID index). */
  beforeRetry?: () => Promise<unknown>;
}

const attemptsMade = new WeakMap<object, number>();

/** How many attempts ended in this lock timeout, when retryOnLockTimeout threw it. */
export function attemptsOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? attemptsMade.get(error) : undefined;
}

/** Runs `step`, again on lock timeout, up to `retries` more times; the last lock timeout is thrown (attemptsOf tells how many). */
export async function retryOnLockTimeout<T>(step: () => Promise<T>, options: LockRetryOptions = {}): Promise<T> {
  const retries = options.retries ?? defaultLockRetries;
  const base = options.delayMs ?? defaultLockRetryDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isLockTimeout(error) || attempt > retries) {
        if (isLockTimeout(error) && typeof error === 'object' && error !== null) attemptsMade.set(error, attempt);
        throw error;
      }
      const delay = Math.round(Math.min(base * 2 ** (attempt - 1), maxDelayMs) * (0.5 + Math.random() / 2));
      options.onRetry?.(attempt + 1, retries + 1, delay);
      await sleep(delay);
      await options.beforeRetry?.();
    }
  }
}
