/**
 * The root entry in an edge runtime: a worker with three helpers, bundled
 * with no Node built-ins available, run in workerd (miniflare) against the
 * test server through Neon's HTTP driver and a local /sql endpoint.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/migrate/files.ts';
import { useDatabase } from '../support/context.ts';
import { type NeonHttpEndpoint, startNeonHttpEndpoint } from '../support/drivers/neon-http-endpoint.ts';
import { insertUser } from '../support/factories.ts';
import { bundleWorker, type WorkerBundle } from './bundle.ts';

const t = useDatabase();
let bundle: WorkerBundle;

beforeAll(async () => {
  bundle = await bundleWorker();
});

const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB`;

test('the worker bundles for workerd with no Node built-in, postgres.js or PGlite; its size', () => {
  const zod = bundle.byPackage.find(([name]) => name === 'zod')?.[1] ?? 0;
  console.log(
    `worker bundle: ${kb(bundle.minifiedBytes)} minified, ${kb(bundle.gzippedBytes)} gzipped; ` +
      bundle.byPackage
        .slice(0, 5)
        .map(([name, bytes]) => `${name} ${kb(bytes)}`)
        .join(', ') +
      ` (zod ${((100 * zod) / bundle.minifiedBytes).toFixed(0)}%)`,
  );
  expect(bundle.inputs.filter((path) => /(^|\/)(node:|postgres\/|@electric-sql\/pglite|drizzle-orm\/(pglite|postgres-js))/.test(path))).toEqual([]);
  expect(bundle.byPackage.map(([name]) => name)).toEqual(expect.arrayContaining(['rag-chat-db', 'drizzle-orm', '@neondatabase/serverless', 'zod']));
  // A budget, so that a change pulling in much more shows here (today about 715 KB, 455 KB of it zod).
  expect(bundle.minifiedBytes).toBeLessThan(800_000);
});

test('a Node built-in in the worker fails the build', async () => {
  const entry = join(tmpdir(), `rcdb-node-builtin-${process.pid}.ts`);
  writeFileSync(entry, "import { readFileSync } from 'node:fs';\nexport default { fetch: () => new Response(readFileSync('x', 'utf8')) };\n");
  await expect(bundleWorker(entry)).rejects.toThrow(/Could not resolve "node:fs"/);
});

test("the README's worker bundles the same way", async () => {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const sample = /```ts\n(import \{ neon \}[^`]*?)```/.exec(readme)?.[1];
  expect(sample).toContain("from 'rag-chat-db'");
  const readmeBundle = await bundleWorker({ source: sample! });
  expect(readmeBundle.byPackage.map(([name]) => name)).toContain('rag-chat-db');
});

describe('in workerd', () => {
  let endpoint: NeonHttpEndpoint;
  let worker: Miniflare;

  beforeAll(async () => {
    endpoint = await startNeonHttpEndpoint({ targetUrl: t.url });
    worker = new Miniflare({
      modules: true,
      script: bundle.code,
      compatibilityDate: '2025-09-01',
      bindings: { DATABASE_URL: endpoint.connectionString, NEON_FETCH_ENDPOINT: endpoint.fetchEndpoint },
    });
    await worker.ready;
  }, 60_000);
  afterAll(async () => {
    await worker?.dispose();
    await endpoint?.close();
  });

  test('three helpers run through Neon HTTP against the test server', async () => {
    const userId = await insertUser(t.sql);
    endpoint.requests.length = 0;
    const response = await worker.dispatchFetch('http://worker.test/', { method: 'POST', body: JSON.stringify({ userId }) });
    const body = (await response.json()) as { runtime: string; conversation: { session: { id: string }; messages: { content: string; citations: { documentId: string }[] }[] } };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.runtime).toBe('Cloudflare-Workers');
    expect(body.conversation.messages.map((m) => [m.content, m.citations.map((c) => c.documentId)])).toEqual([
      ['What is DDS?', []],
      ['A middleware [1].', ['module-1-ros2']],
    ]);
    expect(endpoint.requests.length).toBe(4); // one HTTP request per helper call
    // What the worker wrote, read independently.
    const rows = await t.sql`
      SELECT m.role, m.selected_text, c.document_id FROM messages m LEFT JOIN message_citations c ON c.message_id = m.id
      WHERE m.session_id = ${body.conversation.session.id} ORDER BY m.seq`;
    expect(rows.map((row) => [row.role, row.selected_text, row.document_id])).toEqual([
      ['user', 'DDS', null],
      ['assistant', null, 'module-1-ros2'],
    ]);
  });

  test('a helper refusing input answers with the typed error, before any request', async () => {
    endpoint.requests.length = 0;
    const response = await worker.dispatchFetch('http://worker.test/', { method: 'POST', body: JSON.stringify({ userId: 'not a user id' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { name: 'ValidationError', code: 'VALIDATION' } });
    expect(endpoint.requests).toEqual([]);
  });
});
