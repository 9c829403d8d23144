// node examples/rag-api/server.mjs: the example API on http://127.0.0.1:3000 (PORT to change), over
// DATABASE_URL, or the embedded database after `npx rag-chat-db init`.
import { serve } from '@hono/node-server';
import { createDb, createEmbeddedDb } from 'rag-chat-db/node';
import { createApp } from './app.mjs';
import { inMemoryStreams } from './streams.mjs';

const db = process.env.DATABASE_URL ? createDb() : await createEmbeddedDb(process.env.RAG_CHAT_DB_EMBEDDED_DIR ?? '.rag-chat-db');
const port = Number(process.env.PORT ?? 3000);
serve({ fetch: createApp(db, { streams: inMemoryStreams() }).fetch, hostname: '127.0.0.1', port });
console.log(`rag-api on http://127.0.0.1:${port}`);
