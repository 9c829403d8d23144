export * from './auth.ts';
export * from './chat.ts';
export * from './link.ts';
export * from './rls.ts';
export * from './relations.ts';
export type { JsonObject } from './columns.ts';
export { userIdPattern } from './columns.ts';
export { moduleTableNames, tablesFilter, tablesFilterFor } from './drizzle-kit.ts';
