/**
 * rag-chat-db/validators: the zod schemas the helpers check their input with
 * (`addMessageInput`, ...), the drizzle-zod row schemas, their input types,
 * and `createValidators` for a set under other limits. Also exported from
 * `rag-chat-db`; loads nothing Node-only.
 *
 * ```ts
 * import { addMessageInput, createValidators } from 'rag-chat-db/validators';
 * ```
 *
 * @module rag-chat-db/validators
 */
export * from './common.ts';
export * from './users.ts';
export * from './profiles.ts';
export * from './sessions.ts';
export * from './messages.ts';
export * from './citations.ts';
export * from './feedback.ts';
export * from './lifecycle.ts';
export * from './create.ts';
export * from './ui-messages.ts';
