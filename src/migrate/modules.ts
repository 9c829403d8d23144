/**
 * The modules, as data: our four built-in ones (each with its own schema
 * file, migrations folder and journal, and its own drizzle migrations table)
 * and the application modules a project declares in `rag-chat-db.config.ts`
 * (config.ts). Every command takes a `ModuleSet` and treats both kinds alike.
 */

/** The built-in modules, in dependency order. */
export const builtinModuleNames = ['auth', 'chat', 'link', 'rls'] as const;
/** The name of a module that ships with rag-chat-db: `auth`, `chat`, `link` or `rls`. */
export type BuiltinModuleName = (typeof builtinModuleNames)[number];

/** The built-in modules' names (kept under this name for existing callers). */
export const moduleNames = builtinModuleNames;
/** A built-in module's name. Application modules are plain strings, checked against the config. */
export type ModuleName = BuiltinModuleName;

/** A module: its name, whether it is built in or the application's, where its schema file and migrations live, and what it requires. */
export interface ModuleInfo<Name extends string = string, Required extends string = string> {
  /** The module's name: `auth`, `chat`, `link`, `rls`, or an application module's. */
  name: Name;
  /** `builtin`: ships with rag-chat-db; `app`: declared in the project's rag-chat-db.config file. */
  kind: 'builtin' | 'app';
  /** Schema file (what drizzle-kit reads): relative to the package root for built-ins, absolute for application modules. */
  schemaFile: string;
  /** Migrations folder: relative to the package root for built-ins, absolute for application modules. */
  migrationsFolder: string;
  /** drizzle's migrations table, in schema `drizzle`. */
  migrationsTable: string;
  /** Modules that must be installed first. */
  requires: readonly Required[];
}

export const migrationsSchema = 'drizzle';
/** The runner's record of an interrupted no-transaction file, in schema `drizzle` (see state.ts). */
export const incompleteTableName = 'rag_chat_db_incomplete';

/** The built-in modules by name: auth and chat stand alone, link requires both, rls requires chat. */
export const modules: Record<BuiltinModuleName, ModuleInfo<BuiltinModuleName, BuiltinModuleName>> = {
  auth: builtin('auth', []),
  chat: builtin('chat', []),
  link: builtin('link', ['auth', 'chat']),
  rls: builtin('rls', ['chat']),
};

function builtin(name: BuiltinModuleName, requires: readonly BuiltinModuleName[]): ModuleInfo<BuiltinModuleName, BuiltinModuleName> {
  return {
    name,
    kind: 'builtin',
    schemaFile: `src/schema/${name}.ts`,
    migrationsFolder: `drizzle/${name}`,
    migrationsTable: `__drizzle_migrations_${name}`,
    requires,
  };
}

/**
 * drizzle's migrations table for an application module. The `app_` infix
 * keeps it apart from ours (`__drizzle_migrations_<built-in>`): no built-in
 * module's name starts with `app_`, and none ever will.
 */
export function appMigrationsTable(name: string): string {
  return `__drizzle_migrations_app_${name}`;
}

/** Whether `value` names a built-in module. */
export function isModuleName(value: unknown): value is ModuleName {
  return builtinModuleNames.includes(value as ModuleName);
}

/** What `init --scope` installs, in dependency order. */
export const scopes = {
  all: ['auth', 'chat', 'link'],
  chat: ['chat'],
  auth: ['auth'],
  /** Row-level security on the chat tables (on top of chat or all). */
  rls: ['chat', 'rls'],
} as const satisfies Record<string, readonly ModuleName[]>;
/** What `init --scope` (and migrate's `scope`) installs: `all` (auth, chat, link), `chat`, `auth` or `rls` (chat with row-level security). */
export type Scope = keyof typeof scopes;

/** Whether `value` is a scope name. */
export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && Object.hasOwn(scopes, value);
}

/** The modules one project sees: ours, then its application modules in dependency order. */
export interface ModuleSet {
  /** Built-in modules first, then application modules, each after the modules it requires. */
  readonly all: readonly ModuleInfo[];
  /** The application modules, in dependency order (empty without a config file). */
  readonly app: readonly ModuleInfo[];
  /** The config file that declared the application modules, if any. */
  readonly configPath: string | undefined;
  /** The module of that name, built-in or application, or undefined. */
  get(name: string): ModuleInfo | undefined;
}

export function moduleSet(app: readonly ModuleInfo[] = [], configPath?: string): ModuleSet {
  const all: readonly ModuleInfo[] = [...builtinModuleNames.map((name) => modules[name]), ...app];
  const byName = new Map(all.map((info) => [info.name, info]));
  return { all, app, configPath, get: (name) => byName.get(name) };
}

/** Only the built-in modules: what a project without a rag-chat-db.config file sees. */
export const builtinModules: ModuleSet = moduleSet();
