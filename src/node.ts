/**
 * rag-chat-db/node: opening a database in Node.
 *
 * ```ts
 * import { createDb, connectDb, createEmbeddedDb, closeDb } from 'rag-chat-db/node';
 * ```
 *
 * It needs postgres.js (`npm install postgres`), imported statically;
 * PGlite (`createEmbeddedDb`) is imported only when used, and without it
 * that call throws a MissingDependencyError saying what to install. The
 * helpers themselves are in `rag-chat-db`, which loads nothing Node-only.
 *
 * @module rag-chat-db/node
 */
export * from './connection/create-db.ts';
export { type DatabaseTarget, parseDatabaseUrl, redactUrl } from './connection/database-url.ts';
