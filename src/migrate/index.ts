/**
 * The migration engine, for programmatic use: our modules, and a project's
 * own (rag-chat-db.config.ts, read by `loadModules`):
 *
 * ```ts
 * const client = await connectForMigrations(process.env.DATABASE_URL!);
 * try { await migrate(client, { scope: 'all', modules: await loadModules(process.cwd()) }); } finally { await client.close(); }
 * ```
 *
 * On PGlite, `migrate()` and friends also take the PGlite instance or a
 * drizzle instance on it (`migrate(drizzle(new PGlite('memory://')))`),
 * and leave it open.
 *
 * @module rag-chat-db/migrate
 */
import { type MigrationTarget, migrationClientOf } from './client.ts';
import { MigrationRefusedError } from './errors.ts';
import { type MigrationSource, moduleSource } from './files.ts';
import { builtinModules, type ModuleInfo, type ModuleName, type ModuleSet, moduleNames, type Scope, scopes } from './modules.ts';
import {
  applyMigrations,
  type ResolveAction,
  type RollbackTarget,
  type RunOptions,
  readStates,
  resolveIncomplete,
  rollbackMigrations,
  type Step,
} from './runner.ts';
import type { ModuleState } from './state.ts';

export {
  type ConnectOptions,
  connectForMigrations,
  embeddedClient,
  type MigrationClient,
  type MigrationTarget,
  openEmbedded,
  type PgliteClient,
  type PgliteDrizzle,
  type PGliteQuery,
  type Queryable,
} from './client.ts';
export { type AppModuleConfig, configFileNames, defineConfig, findConfig, loadModules, type RagChatDbConfig } from './config.ts';
export { EmbeddedDatabaseInUseError } from '../errors.ts';
export {
  MigrationBlockedError,
  MigrationConnectionLostError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  MigrationRefusedError,
  NoWayBackError,
} from './errors.ts';
export {
  type LinkLayout,
  linkLayouts,
  type LinkUsersForeignKey,
  type LinkUsersOptions,
  type LinkUsersSql,
  linkUsersMigration,
  type WriteLinkUsersOptions,
  writeLinkUsersMigration,
} from './link-users.ts';
export type { NewMigration } from './new.ts';
export { defaultLockRetries, defaultLockRetryDelayMs } from './retry.ts';
export { type Amendment, type MigrationFile, type MigrationSource, moduleSource, readMigrations, type SqlFile } from './files.ts';
export {
  type BuiltinModuleName,
  builtinModuleNames,
  builtinModules,
  isModuleName,
  isScope,
  type ModuleInfo,
  type ModuleName,
  type ModuleSet,
  moduleNames,
  modules,
  type Scope,
  scopes,
} from './modules.ts';
export {
  applyMigrations,
  defaultLockTimeoutMs,
  defaultWaitMs,
  type ProgressEvent,
  type ResolveAction,
  type RollbackTarget,
  type RunOptions,
  readStates,
  rollbackMigrations,
  type Step,
} from './runner.ts';
export type { AppliedRow, IncompleteRow, ModuleState } from './state.ts';

/** A module by name (ours, or one of `modules`' application modules), or given as its info or source. */
// `string & {}` keeps the built-in names suggested while any configured name is accepted.
export type ModuleRef = ModuleName | (string & {}) | ModuleInfo | MigrationSource;

/** The `modules` option of migrate, rollback and resolve: the project's module set. */
export interface ModuleOptions {
  /** The project's modules, from `loadModules(dir)`; ours alone by default. */
  modules?: ModuleSet;
}

/** The source of a module, or a refusal naming the modules there are (never a TypeError for an unknown name). */
export function sourceOf(module: ModuleRef, set: ModuleSet = builtinModules): MigrationSource {
  if (typeof module !== 'string') return 'migrationsFolder' in module ? moduleSource(module) : module;
  const info = set.get(module);
  if (!info) {
    throw new MigrationRefusedError([
      `"${module}" is not a module here; the modules are ${set.all.map((entry) => entry.name).join(', ')}` +
        `${set.configPath ? ` (application modules from ${set.configPath})` : '; for an application module, pass { modules: await loadModules(projectDir) }'}.`,
    ]);
  }
  return moduleSource(info);
}

/**
 * The sources of `names` and of every module they require, transitively, in
 * the set's order (ours first, then the application's, each after what it
 * requires). MigrationRefusedError for a name the set does not hold.
 */
export function sourcesWithRequirements(names: readonly string[], set: ModuleSet = builtinModules): MigrationSource[] {
  const chosen = new Set<string>();
  const add = (name: string) => {
    if (chosen.has(name)) return;
    chosen.add(name);
    sourceOf(name, set); // refuses a name the set does not hold
    set.get(name)!.requires.forEach(add);
  };
  names.forEach(add);
  return set.all.filter((info) => chosen.has(info.name)).map((info) => moduleSource(info));
}

/**
 * What `init --scope S` applies: the scope's built-in modules, every
 * application module, and what they require (`link` brings auth and chat).
 * `init --scope rls` in a project whose module requires auth applies auth's
 * pending files too, rather than refusing.
 */
export function installSources(scope: Scope, set: ModuleSet = builtinModules): MigrationSource[] {
  return sourcesWithRequirements([...scopes[scope], ...set.app.map((info) => info.name)], set);
}

/**
 * Installs (or brings up to date) the modules of a scope, then the
 * application modules of `modules`, under one lock. Running it again applies nothing.
 */
export async function migrate(target: MigrationTarget, options: RunOptions & ModuleOptions & { scope?: Scope } = {}): Promise<Step[]> {
  return applyMigrations(migrationClientOf(target), installSources(options.scope ?? 'all', options.modules), options);
}

/** Rolls back one module: `{ steps: 1 }` by default, `{ to: tag }` (which stays applied) or `{ all: true }`. */
export async function rollback(
  target: MigrationTarget,
  module: ModuleRef,
  to: RollbackTarget = { steps: 1 },
  options: RunOptions & ModuleOptions = {},
): Promise<Step[]> {
  const set = options.modules ?? builtinModules;
  const source = sourceOf(module, set);
  const others = set.all.filter((info) => info.name !== source.name).map((info) => moduleSource(info));
  return rollbackMigrations(migrationClientOf(target), source, to, others, options);
}

/** Every module's state: applied, pending, tampered, missing, out of order, incomplete. Changes nothing. */
export async function status(
  target: MigrationTarget,
  modulesToRead: readonly (ModuleName | ModuleInfo | MigrationSource)[] = moduleNames,
): Promise<ModuleState[]> {
  return readStates(migrationClientOf(target), modulesToRead.map((module) => sourceOf(module)));
}

/** Clears the record of a failed no-transaction file; see `rag-chat-db resolve --help`. */
export async function resolve(
  target: MigrationTarget,
  module: ModuleRef,
  tag: string,
  action: ResolveAction,
  options: RunOptions & ModuleOptions = {},
): Promise<string> {
  return resolveIncomplete(migrationClientOf(target), sourceOf(module, options.modules), tag, action, options);
}
