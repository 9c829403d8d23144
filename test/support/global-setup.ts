/**
 * Once per run: find a server, migrate a template database with every
 * module, and hand its name to the test files, which clone it.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { TestProject } from 'vitest/node';
import { packageRoot } from '../../src/migrate/files.ts';
import { scopes } from '../../src/migrate/modules.ts';
import { createDatabase, databaseName, dropDatabase, dropLeftovers, installModules } from './databases.ts';
import { findTestServer, redact } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
    ownerPid: number;
  }
}

export default async function setup(project: TestProject) {
  delete process.env.DATABASE_URL; // nothing in the tests may reach it
  // The CLI and multi-process tests run the built package: build it from the sources under test.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: packageRoot, stdio: 'inherit' });
  rmSync(join(packageRoot, 'dist', 'drizzle'), { recursive: true, force: true }); // left by builds that copied the migrations
  const server = await findTestServer();
  console.log(`rag-chat-db tests: PostgreSQL from ${server.source} (${redact(server.adminUrl)})`);

  await dropLeftovers(server.adminUrl);
  const template = databaseName(process.pid, 'template');
  const templateUrl = await createDatabase(server.adminUrl, template);
  await installModules(templateUrl, scopes.all);

  project.provide('adminUrl', server.adminUrl);
  project.provide('templateDatabase', template);
  project.provide('ownerPid', process.pid);

  return async () => {
    await dropDatabase(server.adminUrl, template);
    await server.stop();
  };
}
