/** Network round trips, counted on the wire: a createDb database through a loopback proxy, for a suite's hooks. */
import { afterAll, beforeAll } from 'vitest';
import { closeDb, createDb, type PostgresDatabase } from '../../src/connection/create-db.ts';
import type { TestDatabase } from './context.ts';
import { startTcpProxyTo, type TcpProxy } from './tcp-proxy.ts';

export interface CountedDatabase {
  /** Our database (one connection), through the proxy: ready in the tests, not before. */
  readonly db: PostgresDatabase;
  /** Round trips `call` makes. The first use of a statement also prepares it: warm it up first. */
  roundTrips(call: () => Promise<unknown>): Promise<number>;
}

export function useCountedDatabase(t: TestDatabase): CountedDatabase {
  let proxy: TcpProxy;
  let db: PostgresDatabase;
  beforeAll(async () => {
    proxy = await startTcpProxyTo(t.url);
    db = createDb({ url: proxy.urlThrough(t.url), max: 1 });
  });
  afterAll(async () => {
    await closeDb(db);
    await proxy.close();
  });
  return {
    get db() {
      return db;
    },
    async roundTrips(call) {
      const before = proxy.roundTrips;
      await call();
      return proxy.roundTrips - before;
    },
  };
}
