/**
 * The shipped migrations through every door: our runner, `drizzle-kit
 * migrate`, and the seed's raw SQL workflow (psql), all reaching the same
 * schema and agreeing on what is applied.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { connectForMigrations } from '../../src/migrate/client.ts';
import { packageRoot, readMigrations } from '../../src/migrate/files.ts';
import { migrate, rollback, status } from '../../src/migrate/index.ts';
import { scopes } from '../../src/migrate/modules.ts';
import { catalogOf, connect, createDatabase, databaseName, dropDatabase, urlOf } from '../support/databases.ts';

const run = promisify(execFile);
const adminUrl = inject('adminUrl');
const created: string[] = [];
let templateCatalog: string[];

async function emptyDatabase(): Promise<string> {
  const name = databaseName(inject('ownerPid'), 'doors');
  created.push(name);
  return createDatabase(adminUrl, name);
}


async function withClient<T>(url: string, fn: (client: Awaited<ReturnType<typeof connectForMigrations>>) => Promise<T>) {
  const client = await connectForMigrations(url);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function drizzleKitMigrate(url: string, module: string) {
  return run(process.execPath, [join(packageRoot, 'node_modules/drizzle-kit/bin.cjs'), 'migrate'], {
    cwd: packageRoot,
    env: { ...process.env, DATABASE_URL: url, RAG_CHAT_DB_MODULE: module },
  });
}

beforeAll(async () => {
  templateCatalog = await catalogOf(urlOf(adminUrl, inject('templateDatabase')));
});
afterAll(async () => {
  for (const name of created) await dropDatabase(adminUrl, name);
});

describe('drizzle-kit compatibility', () => {
  test('`drizzle-kit migrate` after our runner applies nothing', { timeout: 60_000 }, async () => {
    const url = await emptyDatabase();
    await withClient(url, (client) => migrate(client, { scope: 'all' }));
    for (const module of scopes.all) await drizzleKitMigrate(url, module);

    const states = await withClient(url, (client) => status(client));
    const shipped = (module: 'auth' | 'chat' | 'link' | 'rls') => readMigrations(module).length;
    expect(states.map((state) => [state.source.name, state.applied.length, state.pending.length])).toEqual([
      ['auth', shipped('auth'), 0],
      ['chat', shipped('chat'), 0],
      ['link', shipped('link'), 0],
      ['rls', 0, shipped('rls')],
    ]);
    const sql = connect(url, 1);
    const [rows] = await sql`SELECT (SELECT count(*) FROM drizzle.__drizzle_migrations_auth) + (SELECT count(*) FROM drizzle.__drizzle_migrations_chat) + (SELECT count(*) FROM drizzle.__drizzle_migrations_link) AS n`;
    await sql.end();
    expect(Number(rows!.n)).toBe(shipped('auth') + shipped('chat') + shipped('link'));
  });

  test('our runner after `drizzle-kit migrate` applies nothing, and sees the same schema', { timeout: 60_000 }, async () => {
    const url = await emptyDatabase();
    for (const module of scopes.all) await drizzleKitMigrate(url, module);
    expect(await withClient(url, (client) => migrate(client, { scope: 'all' }))).toEqual([]);
    expect(await catalogOf(url)).toEqual(templateCatalog);
  });
});

const hasPsql = (() => {
  try {
    execFileSync('psql', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

test.runIf(hasPsql)('the raw SQL workflow: `psql -v ON_ERROR_STOP=1 -1 -f` on each up file gives the same schema', async () => {
  const url = await emptyDatabase();
  for (const module of scopes.all) {
    for (const migration of readMigrations(module)) {
      await run('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-f', join(packageRoot, 'drizzle', module, `${migration.tag}.sql`)]);
    }
  }
  expect(await catalogOf(url)).toEqual(templateCatalog);
});

test('rolling back every migration one by one returns to each earlier schema, and rollback of one module leaves the others intact', async () => {
  const url = await emptyDatabase();
  const catalogs: string[][] = [await catalogOf(url)];
  await withClient(url, async (client) => {
    for (const scope of ['auth', 'chat', 'all'] as const) {
      await migrate(client, { scope });
      catalogs.push(await catalogOf(url));
    }
    expect(catalogs.at(-1)).toEqual(templateCatalog);

    // link first: it depends on the other two.
    await expect(rollback(client, 'auth', { all: true })).rejects.toThrow('link depends on auth and is installed');
    await rollback(client, 'link', { all: true });
    expect(await catalogOf(url)).toEqual(catalogs[2]);
    await rollback(client, 'chat', { all: true });
    expect(await catalogOf(url)).toEqual(catalogs[1]);
    await rollback(client, 'auth', { all: true });
    expect(await catalogOf(url)).toEqual(catalogs[0]);

    // Rolling back chat alone keeps auth (and its rows).
    await migrate(client, { scope: 'all' });
    await client.query(`INSERT INTO users (email) VALUES ('kept@example.test')`);
    await rollback(client, 'link', { all: true });
    await rollback(client, 'chat', { all: true });
    const [kept] = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    expect(kept!.n).toBe(1);
  });
});
