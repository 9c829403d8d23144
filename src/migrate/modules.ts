/**
 * The installable modules, in dependency order. Each has its own schema file,
 * migrations folder and journal, and its own drizzle migrations table.
 */
export const moduleNames = ['auth', 'chat', 'link', 'rls'] as const;
export type ModuleName = (typeof moduleNames)[number];

export interface ModuleInfo {
  name: ModuleName;
  /** Schema file, relative to the package root (what drizzle-kit reads). */
  schemaFile: string;
  /** Migrations folder, relative to the package root. */
  migrationsFolder: string;
  /** drizzle's migrations table, in schema `drizzle`. */
  migrationsTable: string;
  /** Modules that must be installed first. */
  requires: readonly ModuleName[];
}

export const migrationsSchema = 'drizzle';
/** The runner's record of an interrupted no-transaction file, in schema `drizzle` (see state.ts). */
export const incompleteTableName = 'rag_chat_db_incomplete';

export const modules: Record<ModuleName, ModuleInfo> = {
  auth: module('auth', []),
  chat: module('chat', []),
  link: module('link', ['auth', 'chat']),
  rls: module('rls', ['chat']),
};

function module(name: ModuleName, requires: readonly ModuleName[]): ModuleInfo {
  return {
    name,
    schemaFile: `src/schema/${name}.ts`,
    migrationsFolder: `drizzle/${name}`,
    migrationsTable: `__drizzle_migrations_${name}`,
    requires,
  };
}

export function isModuleName(value: unknown): value is ModuleName {
  return moduleNames.includes(value as ModuleName);
}

/** What `init --scope` installs, in dependency order. */
export const scopes = {
  all: ['auth', 'chat', 'link'],
  chat: ['chat'],
  auth: ['auth'],
  /** Row-level security on the chat tables (on top of chat or all). */
  rls: ['chat', 'rls'],
} as const satisfies Record<string, readonly ModuleName[]>;
export type Scope = keyof typeof scopes;

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && Object.hasOwn(scopes, value);
}
