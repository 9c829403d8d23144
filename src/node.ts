/**
 * rag-chat-db/node: opening a database in Node.
 *
 *   import { createDb, connectDb, createEmbeddedDb, closeDb } from 'rag-chat-db/node';
 *
 * postgres.js (`createDb`, `connectDb`) and PGlite (`createEmbeddedDb`) are
 * optional peer dependencies; a function whose driver is not installed
 * throws a MissingDependencyError that says what to install. The helpers
 * themselves are in `rag-chat-db`, which loads nothing Node-only.
 */
export * from './connection/create-db.ts';
export { type DatabaseTarget, parseDatabaseUrl, redactUrl } from './connection/database-url.ts';
