/**
 * A local stand-in for Neon's HTTP SQL endpoint (`https://<host>/sql`), so
 * `neon()` and `drizzle-orm/neon-http` can be tested against the real test
 * server without leaving loopback:
 *
 *   const endpoint = await startNeonHttpEndpoint({ targetUrl: t.url });
 *   neonConfig.fetchEndpoint = endpoint.fetchEndpoint;
 *   const db = drizzle({ client: neon(endpoint.connectionString), schema });
 *
 * It speaks the protocol @neondatabase/serverless 1.2 uses (read from its
 * source): a POST of `{ query, params }`, or `{ queries: [...] }` for
 * `sql.transaction()` / drizzle's `db.batch`, with the headers
 * Neon-Raw-Text-Output and Neon-Array-Mode (values come back as Postgres
 * text, rows as arrays) and Neon-Batch-Isolation-Level / -Read-Only /
 * -Deferrable for a batch. A single query runs alone (extended protocol: one
 * statement); a batch runs in one transaction. A database error is a 400
 * whose JSON carries the message and Postgres's fields (code, constraint,
 * ...), which the driver copies onto its NeonDbError. Each request is
 * recorded in `requests`: one HTTP round trip each.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

export interface NeonHttpRequest {
  /** The statements of the request: one, or a batch's. */
  queries: string[];
  batch: boolean;
  /** The Neon-Batch-* headers, as sent. */
  isolationLevel?: string;
  readOnly?: boolean;
  deferrable?: boolean;
}

export interface NeonHttpEndpoint {
  /** Where `neonConfig.fetchEndpoint` should point: `http://127.0.0.1:<port>/sql`. */
  readonly fetchEndpoint: string;
  /** The base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** A connection string for `neon()`: the target's database and user; the host is never contacted. */
  readonly connectionString: string;
  /** Every request received, in order (clear it with `requests.length = 0`). */
  readonly requests: NeonHttpRequest[];
  close(): Promise<void>;
}

interface QueryData {
  query: string;
  params?: unknown[];
}

/** Postgres's field descriptions, the subset Neon returns. */
const fieldOf = (field: pg.FieldDef) => ({
  name: field.name,
  tableID: field.tableID,
  columnID: field.columnID,
  dataTypeID: field.dataTypeID,
  dataTypeSize: field.dataTypeSize,
  dataTypeModifier: field.dataTypeModifier,
  format: 'text',
});

/** Every value as Postgres's text: the driver parses it with its own type parsers. */
const rawText = { getTypeParser: () => (value: string) => value };

const isolationLevels: Record<string, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

/** The fields of a Postgres error the driver copies onto its NeonDbError. */
const errorFields = ['severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine'];

export async function startNeonHttpEndpoint(options: { targetUrl: string; max?: number }): Promise<NeonHttpEndpoint> {
  const pool = new pg.Pool({ connectionString: options.targetUrl, max: options.max ?? 4 });
  pool.on('error', () => {}); // an idle connection ended by the server: the pool drops it
  const requests: NeonHttpRequest[] = [];

  const run = async (client: pg.PoolClient, { query, params = [] }: QueryData) => {
    const result = await client.query({ text: query, values: params, rowMode: 'array', types: rawText, queryMode: 'extended' } as pg.QueryConfig);
    return { fields: result.fields.map(fieldOf), command: result.command, rowCount: result.rowCount, rows: result.rows, rowAsArray: true };
  };

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as QueryData | { queries: QueryData[] };
    const header = (name: string) => request.headers[name.toLowerCase()] as string | undefined;
    const flag = (name: string) => (header(name) === undefined ? undefined : header(name) === 'true');
    const batch = 'queries' in body;
    const record: NeonHttpRequest = { queries: batch ? body.queries.map((q) => q.query) : [body.query], batch };
    if (batch) {
      record.isolationLevel = header('Neon-Batch-Isolation-Level');
      record.readOnly = flag('Neon-Batch-Read-Only');
      record.deferrable = flag('Neon-Batch-Deferrable');
    }
    requests.push(record);

    const client = await pool.connect();
    let broken = false;
    try {
      let result: unknown;
      if (!batch) result = await run(client, body);
      else {
        const mode = [
          record.isolationLevel ? `ISOLATION LEVEL ${isolationLevels[record.isolationLevel] ?? 'READ COMMITTED'}` : '',
          record.readOnly === undefined ? '' : record.readOnly ? 'READ ONLY' : 'READ WRITE',
          record.deferrable === undefined ? '' : record.deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE',
        ].filter(Boolean);
        await client.query(`BEGIN ${mode.join(', ')}`);
        try {
          const results = [];
          for (const query of body.queries) results.push(await run(client, query));
          await client.query('COMMIT');
          result = { results };
        } catch (error) {
          await client.query('ROLLBACK').catch(() => (broken = true));
          throw error;
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const fields = error as Record<string, unknown>;
      broken ||= typeof fields.code !== 'string' || /^(08|57P)/.test(fields.code);
      const json: Record<string, unknown> = { message: (error as Error).message };
      for (const key of errorFields) if (fields[key] !== undefined) json[key] = fields[key];
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    } finally {
      client.release(broken);
    }
  };

  const server = createServer((request, response) => {
    if (request.method !== 'POST' || !request.url?.startsWith('/sql')) {
      response.writeHead(404).end();
      return;
    }
    answer(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const target = new URL(options.targetUrl);
  const connectionString = `postgresql://${target.username || 'root'}:unused@neon.localtest${target.pathname}`;

  return {
    url,
    fetchEndpoint: `${url}/sql`,
    connectionString,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
