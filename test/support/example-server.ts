/** The example API (examples/rag-api) served on a loopback port, as its tests drive it with fetch. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll } from 'vitest';
// @ts-expect-error: the example is plain JavaScript, as a newcomer would copy it
import { createApp } from '../../examples/rag-api/app.mjs';
import type { TestDatabase } from './context.ts';

export interface ExampleServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/** Serves `createApp(db, options)` until `close()`. */
export async function serveExample(db: unknown, options?: object): Promise<ExampleServer> {
  const server = serve({ fetch: createApp(db, options).fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.(); // an aborted request's socket too
      }),
  };
}

/** The example served on the suite's database for the whole file; `base` is ready in the tests. */
export function useExampleServer(t: TestDatabase): { readonly base: string } {
  let server: ExampleServer;
  beforeAll(async () => {
    server = await serveExample(t.api);
  });
  afterAll(() => server.close());
  return {
    get base() {
      return server.base;
    },
  };
}
