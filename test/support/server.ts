/**
 * Finding a PostgreSQL server for the tests, in this order:
 *   1. TEST_DATABASE_URL, if set;
 *   2. a server listening on 127.0.0.1:5432 (user $PGUSER, else postgres);
 *   3. a throwaway container through @testcontainers/postgresql, if Docker runs;
 * else one sentence saying how to provide one. DATABASE_URL is never used: it
 * may point at production.
 */
import postgres from 'postgres';
import { redactUrl as redact } from '../../src/connection/database-url.ts';

export { redact };

export interface TestServer {
  /** URL of a maintenance database on the server; the user may CREATE DATABASE. */
  adminUrl: string;
  /** Where it came from, for the run's first line. */
  source: string;
  stop(): Promise<void>;
}

const noServer =
  'No PostgreSQL for the tests: set TEST_DATABASE_URL to a server where you may CREATE DATABASE, ' +
  'start one on 127.0.0.1:5432, or start Docker so Testcontainers can run one.';

export async function findTestServer(env = process.env): Promise<TestServer> {
  if (env.TEST_DATABASE_URL) {
    if (env.DATABASE_URL && env.TEST_DATABASE_URL === env.DATABASE_URL) {
      throw new Error('TEST_DATABASE_URL equals DATABASE_URL; the tests create and drop databases, so give them their own server.');
    }
    await assertReachable(env.TEST_DATABASE_URL, 'TEST_DATABASE_URL');
    return { adminUrl: env.TEST_DATABASE_URL, source: 'TEST_DATABASE_URL', stop: async () => {} };
  }

  const localUrl = `postgres://${encodeURIComponent(env.PGUSER ?? 'postgres')}@127.0.0.1:5432/postgres`;
  const local = await probe(localUrl);
  if (local === 'ok') return { adminUrl: localUrl, source: 'local server on 127.0.0.1:5432', stop: async () => {} };
  if (local !== 'refused') {
    throw new Error(`A server answers on 127.0.0.1:5432 but refused ${redact(localUrl)} (${local}); set TEST_DATABASE_URL.`);
  }

  return startContainer();
}

async function startContainer(): Promise<TestServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  try {
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    const url = new URL(container.getConnectionUri());
    url.pathname = '/postgres';
    return {
      adminUrl: url.toString(),
      source: 'Testcontainers (postgres:17-alpine)',
      stop: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    throw new Error(noServer, { cause: error });
  }
}

async function assertReachable(url: string, name: string): Promise<void> {
  const result = await probe(url);
  if (result !== 'ok') throw new Error(`${name} (${redact(url)}) does not answer: ${result}`);
}

/** 'ok', 'refused' when nothing listens, or the error's message. */
async function probe(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    return 'ok';
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ECONNREFUSED' ? 'refused' : String((error as Error).message);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
