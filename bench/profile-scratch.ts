import postgres from 'postgres';
import { createDb } from '../src/connection/create-db.ts';
import { addMessage } from '../src/queries/index.ts';
import { parseInput } from '../src/queries/executor.ts';
import { addMessageInput } from '../src/validators/messages.ts';
import { fixtureIds, scales } from './seed.ts';

const url = 'postgres://postgres@127.0.0.1:5432/rag_chat_db_bench_small';
const f = fixtureIds(42, scales.small);
const citations = [1, 2, 3].map((i) => ({ documentId: `d${i}`, chunkId: 'c', score: 0.5, citationIndex: i, title: 't', url: 'u', snippet: 's' }));
const input = { sessionId: f.writeSessionId, userId: f.writeUserId, role: 'assistant' as const, content: 'DDS is the middleware.', citations };
const captured: { q: string; p: unknown[] }[] = [];
const db = createDb({ url, max: 1 });
const spy = postgres(url, { max: 1, debug: (_c, q, p) => captured.push({ q, p }) });
const { drizzle } = await import('drizzle-orm/postgres-js');
const spyDb = drizzle({ client: spy });
await addMessage(spyDb as never, input);
const { q, p } = captured.at(-1)!;
const raw = postgres(url, { max: 1 });
const time = async (label: string, fn: () => Promise<unknown> | unknown, n = 300) => {
  for (let i = 0; i < 20; i++) await fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn();
  console.log(label.padEnd(40), ((performance.now() - t) / n).toFixed(3), 'ms');
};
await time('parseInput', () => parseInput(addMessageInput, input), 2000);
await time('addMessage (helper)', () => addMessage(db, input));

await time('same SQL on the same client, unsafe()', () => db.$client.unsafe(q, p as never[]));
const rows3 = citations.map((c) => ({ document_id: c.documentId, chunk_id: c.chunkId, score: c.score, citation_index: c.citationIndex, title: c.title, url: c.url, snippet: c.snippet }));
await time('hand-written (bench) SQL', () => raw`
  WITH message AS (
    INSERT INTO messages (session_id, role, content)
    SELECT id, 'assistant', 'DDS is the middleware.' FROM chat_sessions WHERE id = ${f.writeSessionId} AND user_id = ${f.writeUserId}
    RETURNING id, session_id, created_at
  ), citation AS (
    INSERT INTO message_citations (message_id, document_id, chunk_id, score, citation_index, title, url, snippet)
    SELECT message.id, c.* FROM message, jsonb_to_recordset(${raw.json(rows3)}::jsonb)
      AS c(document_id text, chunk_id text, score float8, citation_index int, title text, url text, snippet text)
    RETURNING id
  )
  UPDATE chat_sessions s SET updated_at = now(), last_message_at = greatest(s.last_message_at, message.created_at)
  FROM message WHERE s.id = message.session_id
  RETURNING message.id`);
await time('same SQL on the same client, unsafe() again', () => db.$client.unsafe(q, p as never[]));
const { sql } = await import('drizzle-orm');
await time('db.execute(sql`SELECT 1`)', () => db.execute(sql`SELECT 1`));
await time('raw SELECT 1', () => raw`SELECT 1`);
await raw`DELETE FROM messages WHERE session_id = ${f.writeSessionId}`;
await Promise.all([db.$client.end(), spy.end(), raw.end()]);
const ex = postgres(url, { max: 1 });
const { drizzle: d2 } = await import('drizzle-orm/postgres-js');
d2({ client: ex }); // transparent json serializers, as in createDb
for (let i = 0; i < 5; i++) await ex.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${q}`, p as never[]);
const [plan] = await ex.unsafe(`EXPLAIN (ANALYZE, VERBOSE, FORMAT TEXT) ${q}`, p as never[]);
const rows = await ex.unsafe(`EXPLAIN (ANALYZE, FORMAT TEXT) ${q}`, p as never[]);
console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
await ex`DELETE FROM messages WHERE session_id = ${f.writeSessionId}`;
await ex.end();
