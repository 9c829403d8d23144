/** The local Neon HTTP endpoint speaks the protocol `neon()` uses: queries, typed values, errors, batches in one transaction. */
import { neon, neonConfig } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useDatabase } from '../support/context.ts';
import { type NeonHttpEndpoint, startNeonHttpEndpoint } from '../support/drivers/neon-http-endpoint.ts';

const t = useDatabase({ modules: [] });
let endpoint: NeonHttpEndpoint;

beforeAll(async () => {
  endpoint = await startNeonHttpEndpoint({ targetUrl: t.url });
  neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
  await t.sql`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, at timestamptz NOT NULL DEFAULT now())`;
});
afterAll(() => endpoint?.close());

describe('local Neon HTTP endpoint', () => {
  test('a query with parameters, values parsed by the driver, one request', async () => {
    const sql = neon(endpoint.connectionString);
    endpoint.requests.length = 0;
    const rows = await sql.query('INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id, name, at, $3::jsonb AS doc', [1, 'one', '{"a":[1]}']);
    expect(rows).toEqual([{ id: 1, name: 'one', at: expect.any(Date), doc: { a: [1] } }]);
    expect(endpoint.requests).toEqual([{ queries: [expect.stringContaining('INSERT')], batch: false }]);
  });

  test('a database error keeps its SQLSTATE and constraint', async () => {
    const sql = neon(endpoint.connectionString);
    await expect(sql.query('INSERT INTO items (id, name) VALUES (1, $1)', ['again'])).rejects.toMatchObject({
      code: '23505',
      constraint: 'items_pkey',
    });
  });

  test('a batch is one request and one transaction: a failing statement undoes the others', async () => {
    const sql = neon(endpoint.connectionString);
    endpoint.requests.length = 0;
    await expect(
      sql.transaction([sql.query('INSERT INTO items (id, name) VALUES (2, $1)', ['two']), sql.query('INSERT INTO items (id, name) VALUES (1, $1)', ['dup'])]),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await t.sql`SELECT id FROM items WHERE id = 2`).toHaveLength(0);
    const [, read] = await sql.transaction((tx) => [tx.query('SELECT 1'), tx.query('SELECT current_setting($1) AS level', ['transaction_isolation'])], {
      isolationLevel: 'RepeatableRead',
      readOnly: true,
    });
    expect(read).toEqual([{ level: 'repeatable read' }]);
    expect(endpoint.requests.map((r) => [r.batch, r.queries.length, r.isolationLevel, r.readOnly])).toEqual([
      [true, 2, undefined, undefined],
      [true, 2, 'RepeatableRead', true],
    ]);
  });
});
