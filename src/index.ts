/**
 * rag-chat-db: Postgres persistence for RAG chatbots.
 *
 *   import { createDb, addMessage, getConversationWithCitations } from 'rag-chat-db';
 *
 * The schema, the validators and the migration engine are also published on
 * their own: `rag-chat-db/schema`, `rag-chat-db/validators`, `rag-chat-db/migrate`.
 */
export * from './connection/create-db.ts';
export { type DatabaseTarget, parseDatabaseUrl, redactUrl } from './connection/database-url.ts';
export * from './errors.ts';
export * from './queries/index.ts';
export * from './schema/index.ts';
export * from './validators/index.ts';
