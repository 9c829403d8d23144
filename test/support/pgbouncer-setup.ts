/** Global setup for `npm run test:pgbouncer`: a PgBouncer in transaction mode in front of the test server. */
import type { TestProject } from 'vitest/node';
import { startPgBouncer } from './pgbouncer.ts';
import { findTestServer } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set only in the PgBouncer run: the library's handle in useDatabase() then goes through it. */
    pgbouncerPort: number | undefined;
  }
}

export default async function setup(project: TestProject) {
  const server = await findTestServer();
  const url = new URL(server.adminUrl);
  const bouncer = await startPgBouncer({ host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres') });
  console.log(`rag-chat-db tests: the helpers go through PgBouncer (transaction mode) on 127.0.0.1:${bouncer.port}`);
  project.provide('pgbouncerPort', bouncer.port);
  return async () => {
    await bouncer.stop();
    await server.stop();
  };
}
