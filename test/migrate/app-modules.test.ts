/**
 * Application modules in the engine: the config (names, requirements, order,
 * file kinds), and `migrate` / `rollback` / `status` / `resolve` from
 * rag-chat-db/migrate on migration sets of our own making, on a database of
 * this file's.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, expectTypeOf, inject, test } from 'vitest';
import { appModules, defineConfig, loadModules } from '../../src/migrate/config.ts';
import { connectForMigrations, type MigrationClient } from '../../src/migrate/client.ts';
import { MigrationRefusedError } from '../../src/migrate/errors.ts';
import { migrationsRoot, packageRoot, readMigrations } from '../../src/migrate/files.ts';
import {
  installSources,
  migrate,
  type ModuleName,
  modules,
  resolve,
  rollback,
  sourceOf,
  status,
} from '../../src/migrate/index.ts';
import { type ModuleInfo, moduleSet } from '../../src/migrate/modules.ts';
import { consumerProject } from '../support/consumer-project.ts';
import { withEmptyDatabase as withEmptyDatabaseOf } from '../support/databases.ts';
import { addMigration, writeMigrationSet } from '../support/migration-sets.ts';

const withEmptyDatabase = (fn: (client: MigrationClient) => Promise<void>) =>
  withEmptyDatabaseOf(inject('adminUrl'), inject('ownerPid'), async (url) => {
    const client = await connectForMigrations(url);
    try {
      await fn(client);
    } finally {
      await client.close();
    }
  });

/** A fixture migration set's folder, for an application module to point at. */
const folderOf = (name: string, files: Parameters<typeof writeMigrationSet>[0]) => writeMigrationSet(files, name).folder;

/** One application module on a fixture migration set. */
function appModule(name: string, files: Parameters<typeof writeMigrationSet>[0], requires: string[] = []): ModuleInfo {
  return appModules([{ name, folder: folderOf(name, files), schema: 'unused.ts', requires }], '/')[0]!;
}

describe('the config', () => {
  test('modules come after what they require, whatever the order declared; paths are resolved against the config', () => {
    const ordered = appModules(
      [
        { name: 'reports', folder: 'db/reports', schema: 'src/reports.ts', requires: ['billing', 'chat'] },
        { name: 'billing', folder: 'db/billing', schema: 'src/billing.ts', requires: ['auth'] },
      ],
      '/project',
    );
    expect(ordered.map((info) => info.name)).toEqual(['billing', 'reports']);
    expect(ordered[0]).toEqual({
      name: 'billing',
      kind: 'app',
      schemaFile: '/project/src/billing.ts',
      migrationsFolder: '/project/db/billing',
      migrationsTable: '__drizzle_migrations_app_billing',
      requires: ['auth'],
    });
    expect(moduleSet(ordered).all.map((info) => info.name)).toEqual(['auth', 'chat', 'link', 'rls', 'billing', 'reports']);
  });

  test.each([
    [[{ name: 'a', folder: 'a', schema: 'a.ts', requires: ['nope'] }], 'module "a" requires "nope", which is neither ours'],
    [
      [
        { name: 'a', folder: 'a', schema: 'a.ts', requires: ['b'] },
        { name: 'b', folder: 'b', schema: 'b.ts', requires: ['a'] },
      ],
      'modules require each other in a cycle: a -> b -> a',
    ],
    [
      [
        { name: 'a', folder: 'a', schema: 'a.ts' },
        { name: 'a', folder: 'b', schema: 'b.ts' },
      ],
      'module "a" is declared twice',
    ],
  ])('refused: %j', (declared, message) => {
    expect(() => appModules(declared, '/project')).toThrow(MigrationRefusedError);
    expect(() => appModules(declared, '/project')).toThrow(message);
  });

  test('.json and .mjs files are found in the directory; names of ours and unsafe names are refused', async () => {
    const json = consumerProject({
      config: { file: 'rag-chat-db.config.json', text: JSON.stringify({ modules: [{ name: 'billing', folder: 'db', schema: 's.ts' }] }) },
    });
    const loaded = await loadModules(json.dir);
    expect(loaded.configPath).toBe(`${json.dir}/rag-chat-db.config.json`);
    expect(loaded.app.map((info) => [info.name, info.migrationsFolder])).toEqual([['billing', `${json.dir}/db`]]);

    const mjs = consumerProject({
      config: { file: 'rag-chat-db.config.mjs', text: `export default { modules: [{ name: 'Bad-Name', folder: 'db', schema: 's.ts' }, { name: 'rls', folder: 'x', schema: 'y.ts' }] };` },
    });
    const refused = await loadModules(mjs.dir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MigrationRefusedError);
    expect((refused as MigrationRefusedError).problems).toEqual([
      expect.stringContaining('modules.0.name: lower-case letters, digits and _'),
      expect.stringContaining("modules.1.name: auth, chat, link, rls are rag-chat-db's own modules"),
    ]);
  });

  const hasJiti = (() => {
    try {
      createRequire(import.meta.url).resolve('jiti');
      return true;
    } catch {
      return false;
    }
  })();

  test.runIf(hasJiti)('a TypeScript config with defineConfig', async () => {
    const project = consumerProject({
      config: {
        file: 'rag-chat-db.config.ts',
        text: `import { defineConfig } from 'rag-chat-db/migrate';\nconst folder: string = 'drizzle/app';\nexport default defineConfig({ modules: [{ name: 'app', folder, schema: 'src/db/schema.ts', requires: ['auth'] }] });\n`,
      },
    });
    expect((await loadModules(project.dir)).app.map((info) => info.name)).toEqual(['app']);
  });

  test('defineConfig keeps the literal types; the built-in modules stay typed', () => {
    const config = defineConfig({ modules: [{ name: 'app', folder: 'drizzle/app', schema: 'src/db/schema.ts', requires: ['auth'] }] });
    expectTypeOf(config.modules[0].name).toEqualTypeOf<'app'>();
    expectTypeOf(modules.link.requires).toEqualTypeOf<readonly ModuleName[]>();
    expectTypeOf(modules.auth.name).toEqualTypeOf<ModuleName>();
    // @ts-expect-error: not a built-in module
    void modules.app;
  });
});

describe('the engine with application modules', () => {
  test('migrate applies the scope, then the application modules in dependency order, in one run; status reads them', async () => {
    await withEmptyDatabase(async (client) => {
      const billing = folderOf('billing', [{ tag: '0000_invoices', up: 'CREATE TABLE invoices (user_id text REFERENCES users (id))', down: 'DROP TABLE invoices' }]);
      const reports = folderOf('reports', [{ tag: '0000_invoice_totals', up: 'CREATE VIEW invoice_totals AS SELECT count(*) FROM invoices', down: 'DROP VIEW invoice_totals' }]);
      // Declared in the wrong order on purpose: the set puts billing first.
      const set = moduleSet(
        appModules(
          [
            { name: 'reports', folder: reports, schema: 'x.ts', requires: ['billing'] },
            { name: 'billing', folder: billing, schema: 'x.ts', requires: ['auth'] },
          ],
          '/',
        ),
      );
      const steps = await migrate(client, { scope: 'auth', modules: set });
      expect(steps.map((step) => `${step.module}/${step.tag}`)).toEqual([...readMigrations('auth').map((file) => `auth/${file.tag}`), 'billing/0000_invoices', 'reports/0000_invoice_totals']);
      expect(await migrate(client, { scope: 'auth', modules: set })).toEqual([]);

      const states = await status(client, set.all);
      expect(states.map((state) => [state.source.name, state.source.migrationsTable, state.applied.length])).toEqual([
        ['auth', '__drizzle_migrations_auth', readMigrations('auth').length],
        ['chat', '__drizzle_migrations_chat', 0],
        ['link', '__drizzle_migrations_link', 0],
        ['rls', '__drizzle_migrations_rls', 0],
        ['billing', '__drizzle_migrations_app_billing', 1],
        ['reports', '__drizzle_migrations_app_reports', 1],
      ]);

      // What an application module needs stays until it goes; it goes by name.
      await expect(rollback(client, 'billing', { all: true }, { modules: set })).rejects.toThrow('reports depends on billing and is installed');
      await expect(rollback(client, 'auth', { all: true }, { modules: set })).rejects.toThrow('billing depends on auth and is installed');
      expect((await rollback(client, 'reports', { all: true }, { modules: set })).map((step) => step.tag)).toEqual(['0000_invoice_totals']);
      expect((await rollback(client, 'billing', { steps: 1 }, { modules: set })).map((step) => step.tag)).toEqual(['0000_invoices']);
      const [left] = await client.query<{ invoices: string | null }>(`SELECT to_regclass('invoices')::text AS invoices`);
      expect(left!.invoices).toBeNull();
    });
  });

  test('what an application module requires is installed with any scope (link brings auth and chat)', () => {
    const set = moduleSet([appModule('needs_auth', [], ['auth'])]);
    expect(installSources('chat', set).map((source) => source.name)).toEqual(['auth', 'chat', 'needs_auth']);
    expect(installSources('rls', set).map((source) => source.name)).toEqual(['auth', 'chat', 'rls', 'needs_auth']);
    expect(installSources('all', set).map((source) => source.name)).toEqual(['auth', 'chat', 'link', 'needs_auth']);
    const both = moduleSet([appModule('needs_link_and_rls', [], ['link', 'rls'])]);
    expect(installSources('auth', both).map((source) => source.name)).toEqual(['auth', 'chat', 'link', 'rls', 'needs_link_and_rls']);
  });

  test('a tampered application migration stops every module before any SQL runs', async () => {
    await withEmptyDatabase(async (client) => {
      const info = appModule('tampered', [{ tag: '0000_a', up: 'CREATE TABLE tampered_a (id int)', down: 'DROP TABLE tampered_a' }]);
      const set = moduleSet([info]);
      await migrate(client, { scope: 'chat', modules: set });
      addMigration(sourceOf(info), { tag: '0001_b', up: 'CREATE TABLE tampered_b (id int)', down: 'DROP TABLE tampered_b' });
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${info.migrationsFolder}/0000_a.sql`, 'CREATE TABLE tampered_a (id bigint)');
      const refused = await migrate(client, { scope: 'chat', modules: set }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(MigrationRefusedError);
      expect((refused as Error).message).toContain('tampered/0000_a.sql changed after it was applied');
      const [row] = await client.query<{ b: string | null }>(`SELECT to_regclass('tampered_b')::text AS b`);
      expect(row!.b).toBeNull();
    });
  });

  test('resolve(): an application module by name, and a refusal (not a TypeError) for an unknown one', async () => {
    await withEmptyDatabase(async (client) => {
      const info = appModule('indexes', [
        { tag: '0000_t', up: 'CREATE TABLE indexed (id int)', down: 'DROP TABLE indexed' },
        {
          tag: '0001_idx',
          up: '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS indexed_nope_idx ON indexed (nope)',
          down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS indexed_nope_idx',
        },
      ]);
      const set = moduleSet([info]);
      await expect(migrate(client, { scope: 'auth', modules: set })).rejects.toThrow('indexes/0001_idx.sql, statement 1 of 1 failed');
      const [state] = await status(client, [info]);
      expect(state!.incomplete.map((row) => `${row.module}/${row.tag}`)).toEqual(['indexes/0001_idx']);

      const unknown = await resolve(client, 'app', '0001_idx', 'retry', { modules: set }).catch((error: unknown) => error);
      expect(unknown).toBeInstanceOf(MigrationRefusedError);
      expect((unknown as Error).message).toBe(
        '"app" is not a module here; the modules are auth, chat, link, rls, indexes; for an application module, pass { modules: await loadModules(projectDir) }.',
      );

      expect(await resolve(client, 'indexes', '0001_idx', 'restart', { modules: set })).toBe(
        'indexes/0001_idx: cleared; the next run applies it again from its first statement.',
      );
      expect((await status(client, [info]))[0]!.incomplete).toEqual([]);
    });
  });
});

test('one copy of our migrations: the sources and the built package both read <package root>/drizzle, where `new` writes', async () => {
  expect(migrationsRoot).toBe(packageRoot);
  const built = (await import(pathToFileURL(join(packageRoot, 'dist/migrate/files.js')).href)) as typeof import('../../src/migrate/files.ts');
  expect(built.migrationsRoot).toBe(packageRoot);
  expect(built.moduleSource('auth').folder).toBe(join(packageRoot, 'drizzle', 'auth'));
  expect(existsSync(join(packageRoot, 'dist', 'drizzle'))).toBe(false);
});
