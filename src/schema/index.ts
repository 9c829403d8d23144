export * from './auth.ts';
export * from './chat.ts';
export * from './link.ts';
export type { JsonObject } from './columns.ts';
