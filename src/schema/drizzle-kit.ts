/**
 * Keeping a consumer's drizzle-kit away from our tables. `drizzle-kit push`
 * from a config that names only the application's schema sees our tables in
 * the database, finds them in no schema file, and proposes
 * `DROP TABLE "messages" ... CASCADE`. drizzle-kit's `tablesFilter` hides
 * tables from it: a table is seen only if every negated glob (`!name`)
 * passes it (drizzle-kit 0.31, `pgPushIntrospect`), so one `!name` per table
 * of ours hides exactly those. Every name is read from the table definitions
 * (getTableName), never written by hand; like the rest of the schema, this
 * loads nothing Node-only.
 *
 *   // drizzle.config.ts
 *   import { tablesFilter } from 'rag-chat-db/schema';
 *   export default defineConfig({ ..., tablesFilter });
 */
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { appMigrationsTable, incompleteTableName, modules, scopes, type ModuleName, type Scope } from '../migrate/modules.ts';
import * as auth from './auth.ts';
import * as chat from './chat.ts';
import * as link from './link.ts';
import * as rls from './rls.ts';

/** Each module's schema file, as imported: the tables it creates are the PgTable values it exports. */
const moduleExports: Record<ModuleName, Record<string, unknown>> = { auth, chat, link, rls };

function tablesOf(exports: Record<string, unknown>): string[] {
  return Object.values(exports)
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => getTableName(table));
}

/** The names of the tables each module creates (in schema `public`), from its table definitions. */
export const moduleTableNames: Readonly<Record<ModuleName, readonly string[]>> = Object.freeze({
  auth: Object.freeze(tablesOf(moduleExports.auth)),
  chat: Object.freeze(tablesOf(moduleExports.chat)),
  link: Object.freeze(tablesOf(moduleExports.link)),
  rls: Object.freeze(tablesOf(moduleExports.rls)),
});

function negatedGlobs(names: readonly ModuleName[]): string[] {
  const tables = [...names.flatMap((name) => [...moduleTableNames[name], modules[name].migrationsTable]), incompleteTableName];
  for (const table of tables) {
    // A glob character would make `!name` hide more (or other) tables than this one.
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`rag-chat-db: table name ${JSON.stringify(table)} cannot be a drizzle-kit glob`);
  }
  // And every application module's journal (appMigrationsTable('<name>')), whatever the project calls its modules.
  return [...[...new Set(tables)].map((table) => `!${table}`), `!${appMigrationsTable('*')}`];
}

/**
 * drizzle-kit's `tablesFilter` for the tables of a scope (what `init --scope`
 * installs), plus the runner's bookkeeping tables in schema `drizzle` (`__drizzle_migrations_<module>`, every application module's `__drizzle_migrations_app_<name>`,
 * `rag_chat_db_incomplete`), which drizzle-kit sees only if `schemaFilter` names `drizzle`. A fresh array on every call:
 * drizzle-kit appends to the one it is given.
 */
export function tablesFilterFor(scope: Scope | readonly ModuleName[]): string[] {
  const names: readonly ModuleName[] = typeof scope === 'string' ? scopes[scope] : scope;
  return negatedGlobs(names);
}

/**
 * drizzle-kit's `tablesFilter` hiding every table rag-chat-db creates, whatever the scope:
 * `['!users', '!user_profiles', '!chat_sessions', '!messages', ...]`.
 * A project with a table of its own named like one of ours (say its own `users`, with `--scope chat`)
 * uses `tablesFilterFor('chat')` instead.
 */
export const tablesFilter: string[] = negatedGlobs(['auth', 'chat', 'link', 'rls']);
