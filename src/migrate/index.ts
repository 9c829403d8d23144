/**
 * The migration engine for the built-in modules, for programmatic use:
 *
 *   const client = await connectForMigrations(process.env.DATABASE_URL!);
 *   try { await migrate(client, { scope: 'all' }); } finally { await client.close(); }
 *
 * On PGlite, `migrate()` and friends also take the PGlite instance or a
 * drizzle instance on it (`migrate(drizzle(new PGlite('memory://')))`),
 * and leave it open.
 */
import { type MigrationTarget, migrationClientOf } from './client.ts';
import { moduleSource } from './files.ts';
import { type ModuleName, moduleNames, type Scope, scopes } from './modules.ts';
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
  connectForMigrations,
  embeddedClient,
  type MigrationClient,
  type MigrationTarget,
  openEmbedded,
  type PgliteClient,
  type PgliteDrizzle,
  type Queryable,
} from './client.ts';
export { EmbeddedDatabaseInUseError } from '../errors.ts';
export {
  MigrationBlockedError,
  MigrationConnectionLostError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  MigrationRefusedError,
} from './errors.ts';
export { defaultLockRetries, defaultLockRetryDelayMs } from './retry.ts';
export { type MigrationFile, type MigrationSource, moduleSource, readMigrations } from './files.ts';
export { isModuleName, isScope, type ModuleName, moduleNames, modules, type Scope, scopes } from './modules.ts';
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
export type { ModuleState } from './state.ts';

/** Installs (or brings up to date) the modules of a scope. Running it again applies nothing. */
export function migrate(target: MigrationTarget, options: RunOptions & { scope?: Scope } = {}): Promise<Step[]> {
  return applyMigrations(migrationClientOf(target), scopes[options.scope ?? 'all'].map((name) => moduleSource(name)), options);
}

/** Rolls back one module: `{ steps: 1 }` by default, `{ to: tag }` (which stays applied) or `{ all: true }`. */
export function rollback(
  target: MigrationTarget,
  module: ModuleName,
  to: RollbackTarget = { steps: 1 },
  options: RunOptions = {},
): Promise<Step[]> {
  const others = moduleNames.filter((name) => name !== module).map((name) => moduleSource(name));
  return rollbackMigrations(migrationClientOf(target), moduleSource(module), to, others, options);
}

/** Every module's state: applied, pending, tampered, missing, out of order, incomplete. Changes nothing. */
export function status(target: MigrationTarget, modulesToRead: readonly ModuleName[] = moduleNames): Promise<ModuleState[]> {
  return readStates(migrationClientOf(target), modulesToRead.map((name) => moduleSource(name)));
}

/** Clears the record of a failed no-transaction file; see `rag-chat-db resolve --help`. */
export function resolve(target: MigrationTarget, module: ModuleName, tag: string, action: ResolveAction, options: RunOptions = {}) {
  return resolveIncomplete(migrationClientOf(target), moduleSource(module), tag, action, options);
}
