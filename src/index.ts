/**
 * rag-chat-db: Postgres persistence for RAG chatbots.
 *
 *   import { messages, insertMessageSchema, modules } from 'rag-chat-db';
 *
 * The schema and the validators are also published on their own, as
 * `rag-chat-db/schema` and `rag-chat-db/validators`.
 */
export * from './schema/index.ts';
export * from './validators/index.ts';
export { type ModuleInfo, type ModuleName, isModuleName, migrationsSchema, moduleNames, modules } from './migrate/modules.ts';
export { type MigrationFile, packageRoot, readMigrations } from './migrate/files.ts';
