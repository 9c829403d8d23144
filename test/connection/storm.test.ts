/**
 * Against a server that accepts each connection and drops it at once, the
 * connect timeout bounds the whole attempt and only a handful of connections
 * are opened (postgres.js alone reconnects in a tight loop for a queued query).
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { connectDb } from '../../src/connection/create-db.ts';
import { DatabaseError } from '../../src/errors.ts';
import { connectForMigrations } from '../../src/migrate/client.ts';
import { startFakePostgres, type FakePostgres } from '../support/fake-postgres.ts';

let dropping: FakePostgres;
beforeEach(async () => {
  dropping = await startFakePostgres('drop');
});
afterEach(() => dropping.close());

// Per attempt: the first connection, then a few more with backoff (0.25 s, 0.5 s, 1 s, ...) within its 2 s.
const boundPerAttempt = 6;

test('connectDb({ connectTimeout: 2, attempts: 2 }) fails with a retryable error after a bounded number of connections', async () => {
  const url = `postgres://app@127.0.0.1:${dropping.port}/chat`;
  const error = await connectDb({ url, connectTimeout: 2, attempts: 2 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DatabaseError);
  expect(error).toMatchObject({ retryable: true, sqlState: 'CONNECT_TIMEOUT' });
  expect((error as Error).message).toMatch(/no ready connection within 2 s; \d connections tried/);
  expect(dropping.connections.length).toBeGreaterThanOrEqual(2);
  expect(dropping.connections.length).toBeLessThanOrEqual(2 * boundPerAttempt);
});

test('connectForMigrations({ connectTimeout: 2 }) is bounded the same way, in its first query', async () => {
  const url = `postgres://app@127.0.0.1:${dropping.port}/chat`;
  const error = await connectForMigrations(url, { connectTimeout: 2 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT' });
  expect(dropping.connections.length).toBeLessThanOrEqual(boundPerAttempt);
});
