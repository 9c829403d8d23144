/**
 * A drizzle instance with our schema on each driver the helpers support, as
 * a backend would open it, for the driver matrix in test/drivers. Server
 * drivers reach the test database through a counting TCP proxy (round trips
 * on the wire; Neon's WebSocket driver through a local WebSocket-to-TCP
 * proxy in front of it); Neon's HTTP driver goes to the local /sql endpoint
 * (one request per round trip); PGlite runs in process, migrated by our
 * migrate(). Nothing leaves loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { neon, neonConfig, Pool as NeonPool } from '@neondatabase/serverless';
import { drizzle as neonHttpDrizzle } from 'drizzle-orm/neon-http';
import { drizzle as neonWsDrizzle } from 'drizzle-orm/neon-serverless';
import { drizzle as nodePgDrizzle } from 'drizzle-orm/node-postgres';
import { drizzle as pgliteDrizzle } from 'drizzle-orm/pglite';
import { drizzle as postgresJsDrizzle } from 'drizzle-orm/postgres-js';
import pg from 'pg';
import postgres from 'postgres';
import ws from 'ws';
import { migrate } from '../../../src/migrate/index.ts';
import type { Driver, Executor } from '../../../src/queries/executor.ts';
import * as schema from '../../../src/schema/index.ts';
import { startTcpProxyTo, type TcpProxy } from '../tcp-proxy.ts';
import { type NeonHttpEndpoint, startNeonHttpEndpoint } from './neon-http-endpoint.ts';
import { startWsProxy, type WsProxy } from './ws-proxy.ts';

export type DriverName = 'postgres.js' | 'node-postgres' | 'neon-serverless' | 'neon-http' | 'pglite (folder)' | 'pglite (memory)';
export const driverNames: DriverName[] = ['postgres.js', 'node-postgres', 'neon-serverless', 'neon-http', 'pglite (folder)', 'pglite (memory)'];

export interface OpenDriver {
  readonly name: DriverName;
  /** What the executor should detect. */
  readonly driver: Driver;
  readonly db: Executor;
  /** Whether the driver has interactive transactions (all but Neon HTTP). */
  readonly interactive: boolean;
  /** Round trips so far: on the wire for server drivers, HTTP requests for neon-http; `undefined` in process (PGlite). */
  roundTrips(): number | undefined;
  /** Plain SQL beside the driver under test, for setting up rows and checking writes independently. */
  raw<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Opens `name` on the test database at `url` (PGlite drivers ignore it and open a database of their own). */
export async function openDriver(name: DriverName, url: string): Promise<OpenDriver> {
  if (name.startsWith('pglite')) return openPglite(name);
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const raw = async <T extends object>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[];
  const proxy = await startTcpProxyTo(url);
  const through = proxy.urlThrough(url);
  const base = { name, raw, interactive: name !== 'neon-http' };
  const closeBase = async () => {
    await proxy.close();
    await sql.end();
  };
  const wire = (p: TcpProxy) => () => p.roundTrips;

  switch (name) {
    case 'postgres.js': {
      const client = postgres(through, { max: 2, onnotice: () => {} });
      const db = postgresJsDrizzle({ client, schema }) as unknown as Executor;
      return { ...base, driver: 'postgres-js', db, roundTrips: wire(proxy), close: async () => (await client.end(), closeBase()) };
    }
    case 'node-postgres': {
      const pool = new pg.Pool({ connectionString: through, max: 2 });
      pool.on('error', () => {});
      const db = nodePgDrizzle({ client: pool, schema }) as unknown as Executor;
      return { ...base, driver: 'node-postgres', db, roundTrips: wire(proxy), close: async () => (await pool.end(), closeBase()) };
    }
    case 'neon-serverless': {
      const wsProxy: WsProxy = await startWsProxy();
      Object.assign(neonConfig, wsProxy.neonConfig, { webSocketConstructor: ws });
      const pool = new NeonPool({ connectionString: through, max: 2 });
      pool.on('error', () => {});
      const db = neonWsDrizzle({ client: pool, schema }) as unknown as Executor;
      return {
        ...base,
        driver: 'neon-serverless',
        db,
        roundTrips: wire(proxy),
        close: async () => (await pool.end(), await wsProxy.close(), closeBase()),
      };
    }
    case 'neon-http': {
      const endpoint: NeonHttpEndpoint = await startNeonHttpEndpoint({ targetUrl: url });
      neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
      const db = neonHttpDrizzle({ client: neon(endpoint.connectionString), schema }) as unknown as Executor;
      return { ...base, driver: 'neon-http', db, roundTrips: () => endpoint.requests.length, close: async () => (await endpoint.close(), closeBase()) };
    }
  }
  throw new Error(`unknown driver ${name}`);
}

/** PGlite in a temporary folder (migrated through the PGlite client) or in memory (through the drizzle instance). */
async function openPglite(name: DriverName): Promise<OpenDriver> {
  const folder = name === 'pglite (folder)' ? await mkdtemp(join(tmpdir(), 'rcdb-pglite-')) : undefined;
  const client = await PGlite.create(folder ?? 'memory://');
  const db = pgliteDrizzle({ client, schema });
  await migrate(folder ? client : db);
  return {
    name,
    driver: 'pglite',
    db: db as unknown as Executor,
    interactive: true,
    roundTrips: () => undefined,
    raw: async <T extends object>(text: string, params: unknown[] = []) => (await client.query<T>(text, params)).rows,
    close: async () => {
      await client.close();
      if (folder) await rm(folder, { recursive: true, force: true });
    },
  };
}
