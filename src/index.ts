/**
 * rag-chat-db: Postgres persistence for RAG chatbots.
 *
 * ```ts
 * import { createSession, addMessage, getConversationWithCitations } from 'rag-chat-db';
 * import { createDb } from 'rag-chat-db/node';
 * ```
 *
 * This entry holds the helpers, the schema, the validators, the errors and
 * the types, and loads nothing Node-only (no `node:` builtin, no postgres.js,
 * no PGlite), so it bundles for edge runtimes (Cloudflare Workers, Vercel
 * Edge) with any drizzle database: Neon's HTTP or WebSocket driver there.
 * Opening a database with postgres.js or PGlite is `rag-chat-db/node`. The
 * schema, the validators and the migration engine are also published on
 * their own: `rag-chat-db/schema`, `rag-chat-db/validators`, `rag-chat-db/migrate`.
 *
 * @module rag-chat-db
 */
export * from './errors.ts';
export * from './queries/index.ts';
export * from './schema/index.ts';
export * from './validators/index.ts';
