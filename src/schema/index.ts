/**
 * rag-chat-db/schema: the drizzle-orm table definitions, their row types and
 * relations, and what the migrations derive from them (patterns, CHECK value
 * lists, the link foreign keys, the rls settings), plus `tablesFilter` for a
 * consumer's drizzle-kit. Also exported from `rag-chat-db`; loads nothing Node-only.
 *
 * ```ts
 * import { messages, type Message, tablesFilter } from 'rag-chat-db/schema';
 * ```
 *
 * @module rag-chat-db/schema
 */
export * from './auth.ts';
export * from './chat.ts';
export * from './link.ts';
export * from './rls.ts';
export * from './relations.ts';
export type { JsonObject } from './columns.ts';
export { userIdPattern } from './columns.ts';
export { moduleTableNames, tablesFilter, tablesFilterFor } from './drizzle-kit.ts';
