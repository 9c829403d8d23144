/**
 * Statements that check, inside themselves, whether a concurrent commit got
 * between their snapshot and the rows they lock or change, and then change
 * nothing: the helper runs them again on a fresh snapshot, a bounded number
 * of times (each run is one round trip; uncontended, there is one run).
 */
import { DatabaseError } from '../errors.ts';

/** What a run returns when a concurrent commit got in its way and it changed nothing. */
export const raced = Symbol('raced');

/** Runs of one call before it gives up and reports the contention. */
export const attemptsWhenRaced = 5;

export async function untilNotRaced<T>(what: string, run: () => Promise<T | typeof raced>): Promise<T> {
  for (let attempt = 1; attempt <= attemptsWhenRaced; attempt++) {
    const result = await run();
    if (result !== raced) return result;
  }
  throw new DatabaseError(`${what}: a concurrent change got in the way of each of ${attemptsWhenRaced} attempts; nothing was changed`, '40001', true);
}
