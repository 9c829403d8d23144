/**
 * Per test file: a database of its own, created in beforeAll and dropped in
 * afterAll, so files run in parallel and never see each other's rows.
 *
 *   const t = useDatabase();                 // clone of the migrated template
 *   const t = useDatabase({ modules: [] });  // empty database
 *   const t = useDatabase({ modules: ['chat'] });
 */
import { afterAll, beforeAll, inject } from 'vitest';
import { closeDb, createDb, type PostgresDatabase } from '../../src/connection/create-db.ts';
import type { ModuleName } from '../../src/migrate/modules.ts';
import {
  connect,
  connectDrizzle,
  createDatabase,
  databaseName,
  type Db,
  dropDatabase,
  installModules,
  type Sql,
} from './databases.ts';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** postgres.js client on the database. */
  readonly sql: Sql;
  /** drizzle with the full schema, on a client of its own (drizzle replaces its client's date parsers). */
  readonly db: Db;
  /** The library's own handle, from createDb, as an application would open it (through PgBouncer in that run). */
  readonly api: PostgresDatabase;
  /** Runs `fn` and counts the queries it sent to the server (round trips). */
  countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }>;
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  parsed.searchParams.set('pgbouncer', 'true');
  return parsed.toString();
}

export function useDatabase(options: { modules?: readonly ModuleName[] } = {}): TestDatabase {
  let current: { name: string; url: string; sql: Sql; db: Db; drizzleClient: Sql; api: PostgresDatabase } | undefined;
  let sent = 0;
  const adminUrl = inject('adminUrl');

  beforeAll(async () => {
    const name = databaseName(inject('ownerPid'), 'file');
    let url: string;
    if (options.modules) {
      url = await createDatabase(adminUrl, name);
      await installModules(url, options.modules);
    } else {
      url = await createDatabase(adminUrl, name, inject('templateDatabase'));
    }
    const drizzleClient = connect(url);
    // In the PgBouncer run, the library's handle goes through it (createDb then turns prepared statements off).
    const port = inject('pgbouncerPort');
    const apiUrl = port ? withPort(url, port) : url;
    const api = createDb({ url: apiUrl, max: 4, onQuery: () => sent++ });
    current = { name, url, sql: connect(url), db: connectDrizzle(drizzleClient), drizzleClient, api };
  });

  afterAll(async () => {
    if (!current) return;
    await Promise.all([current.sql.end(), current.drizzleClient.end(), closeDb(current.api)]);
    await dropDatabase(adminUrl, current.name);
  });

  const get = () => {
    if (!current) throw new Error('useDatabase(): the database exists only inside tests and hooks');
    return current;
  };
  return {
    get name() {
      return get().name;
    },
    get url() {
      return get().url;
    },
    get sql() {
      return get().sql;
    },
    get db() {
      return get().db;
    },
    get api() {
      return get().api;
    },
    async countQueries(fn) {
      const before = sent;
      const result = await fn();
      return { result, queries: sent - before };
    },
  };
}
