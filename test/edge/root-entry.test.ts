/**
 * The root entry loads nothing Node-only, and the optional drivers stay
 * optional: the built package, loaded by Node, as a consumer's project would.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/migrate/files.ts';

const run = promisify(execFile);

/** Every module Node resolves while importing `specifier` from `cwd` (scripts/loaded-modules.mjs). */
async function loadedBy(specifier: string, cwd = packageRoot): Promise<string[]> {
  const { stdout } = await run(process.execPath, [join(packageRoot, 'scripts', 'loaded-modules.mjs'), specifier], { cwd });
  return JSON.parse(stdout) as string[];
}

const nodeOnly = (url: string) => url.startsWith('node:') || /\/node_modules\/(postgres|@electric-sql\/pglite)\//.test(url) || /drizzle-orm\/(pglite|postgres-js)\//.test(url);

test("import 'rag-chat-db' loads no node: builtin, no postgres.js, no PGlite", async () => {
  const loaded = await loadedBy('rag-chat-db');
  expect(loaded).toContain(`file://${join(packageRoot, 'dist', 'index.js')}`);
  expect(loaded.some((url) => url.includes('/node_modules/drizzle-orm/'))).toBe(true);
  expect(loaded.filter(nodeOnly)).toEqual([]);
  expect(loaded.filter((url) => url.includes('/dist/connection/') && !url.endsWith('/postgres-js.js'))).toEqual([]);
});

test('the connection functions are in rag-chat-db/node, not in the root entry (the break from 0.1)', async () => {
  const root = await import('../../src/index.ts');
  const node = await import('../../src/node.ts');
  for (const name of ['createDb', 'connectDb', 'createEmbeddedDb', 'closeDb', 'parseDatabaseUrl', 'redactUrl']) {
    expect([name, name in root, typeof (node as Record<string, unknown>)[name]]).toEqual([name, false, 'function']);
  }
});

test("import 'rag-chat-db/node' loads postgres.js but not PGlite (createEmbeddedDb imports it when called)", async () => {
  const loaded = await loadedBy('rag-chat-db/node');
  expect(loaded.some((url) => url.includes('/node_modules/postgres/'))).toBe(true);
  expect(loaded.filter((url) => url.includes('pglite'))).toEqual([]);
});

test('rag-chat-db/node bundles to CommonJS, as for AWS Lambda (no top-level await)', async () => {
  const result = await build({
    entryPoints: [join(packageRoot, 'dist', 'node.js')], // the built entry; the packages it imports stay outside
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  expect(code).toContain('function createEmbeddedDb');
  expect(code).toContain('require("postgres")');
});

describe('without the optional drivers installed', () => {
  // A project with the package, drizzle-orm, zod and drizzle-zod, and neither postgres nor PGlite (one
  // test links postgres in). The dependencies are symlinks, so Node runs with --preserve-symlinks to
  // resolve from this project only. Its tests run in order.
  let project: string;
  const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', ...args], {
      cwd: project,
      env: { PATH: process.env.PATH, ...env },
    }).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'rcdb-no-drivers-'));
    const modules = join(project, 'node_modules');
    mkdirSync(join(modules, 'rag-chat-db'), { recursive: true });
    cpSync(join(packageRoot, 'package.json'), join(modules, 'rag-chat-db', 'package.json'));
    cpSync(join(packageRoot, 'dist'), join(modules, 'rag-chat-db', 'dist'), { recursive: true });
    for (const name of ['drizzle-orm', 'drizzle-zod', 'zod']) symlinkSync(join(packageRoot, 'node_modules', name), join(modules, name), 'dir');
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }');
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test("the root entry works; rag-chat-db/node's import names postgres", async () => {
    writeFileSync(
      join(project, 'app.mjs'),
      `import { addMessage, MissingDependencyError } from 'rag-chat-db';
const results = { addMessage: typeof addMessage, MissingDependencyError: typeof MissingDependencyError };
await import('rag-chat-db/node').catch((error) => { results.node = { code: error.code, message: error.message.split(' imported from')[0] }; });
console.log(JSON.stringify(results));`,
    );
    const { code, stdout, stderr } = await node(['app.mjs']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({
      addMessage: 'function',
      MissingDependencyError: 'function',
      node: { code: 'ERR_MODULE_NOT_FOUND', message: "Cannot find package 'postgres'" },
    });
  });

  test('with postgres.js but not PGlite: createDb works, createEmbeddedDb says what to install', async () => {
    const postgresLink = join(project, 'node_modules', 'postgres');
    symlinkSync(join(packageRoot, 'node_modules', 'postgres'), postgresLink, 'dir');
    try {
      writeFileSync(
        join(project, 'app.mjs'),
        `import { MissingDependencyError } from 'rag-chat-db';
import { closeDb, createDb, createEmbeddedDb } from 'rag-chat-db/node';
const results = {};
const db = createDb({ url: 'postgres://127.0.0.1:1/none' });
results.createDb = typeof db.$client.unsafe;
await closeDb(db);
await createEmbeddedDb('memory://').catch((error) => {
  results.createEmbeddedDb = { missing: error instanceof MissingDependencyError, code: error.code, packageName: error.packageName, message: error.message };
});
console.log(JSON.stringify(results));`,
      );
      const { code, stdout, stderr } = await node(['app.mjs']);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(stdout)).toEqual({
        createDb: 'function',
        createEmbeddedDb: {
          missing: true,
          code: 'MISSING_DEPENDENCY',
          packageName: '@electric-sql/pglite',
          message:
            'createEmbeddedDb needs @electric-sql/pglite, which is not installed: npm install @electric-sql/pglite, or open a PostgreSQL server with createDb.',
        },
      });
    } finally {
      rmSync(postgresLink);
    }
  });

  test('the CLI refuses with exit code 3 and names the package, with DATABASE_URL and without', async () => {
    const bin = join(project, 'node_modules', 'rag-chat-db', 'dist', 'bin.js');
    const embedded = await node([bin, 'status']);
    expect(embedded.code).toBe(3);
    expect(embedded.stderr).toContain(
      'The embedded PGlite database needs @electric-sql/pglite, which is not installed: npm install @electric-sql/pglite, or set DATABASE_URL to use a PostgreSQL server.',
    );
    const server = await node([bin, 'status'], { DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    expect(server.code).toBe(3);
    expect(server.stderr).toContain('Connecting to a PostgreSQL server needs postgres, which is not installed: npm install postgres.');
  });
});
