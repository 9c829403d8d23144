/**
 * The migration engine for the built-in modules, for programmatic use:
 *
 *   const client = await connectForMigrations(process.env.DATABASE_URL!);
 *   try { await migrate(client, { scope: 'all' }); } finally { await client.close(); }
 */
import type { MigrationClient } from './client.ts';
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

export { connectForMigrations, type MigrationClient, openEmbedded, type Queryable } from './client.ts';
export { MigrationFailedError, MigrationLockTimeoutError, MigrationRefusedError } from './errors.ts';
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
export function migrate(client: MigrationClient, options: RunOptions & { scope?: Scope } = {}): Promise<Step[]> {
  return applyMigrations(client, scopes[options.scope ?? 'all'].map((name) => moduleSource(name)), options);
}

/** Rolls back one module: `{ steps: 1 }` by default, `{ to: tag }` (which stays applied) or `{ all: true }`. */
export function rollback(
  client: MigrationClient,
  module: ModuleName,
  target: RollbackTarget = { steps: 1 },
  options: RunOptions = {},
): Promise<Step[]> {
  const others = moduleNames.filter((name) => name !== module).map((name) => moduleSource(name));
  return rollbackMigrations(client, moduleSource(module), target, others, options);
}

/** Every module's state: applied, pending, tampered, missing, out of order, incomplete. Changes nothing. */
export function status(client: MigrationClient, modulesToRead: readonly ModuleName[] = moduleNames): Promise<ModuleState[]> {
  return readStates(client, modulesToRead.map((name) => moduleSource(name)));
}

/** Clears the record of a failed no-transaction file; see `rag-chat-db resolve --help`. */
export function resolve(client: MigrationClient, module: ModuleName, tag: string, action: ResolveAction, options: RunOptions = {}) {
  return resolveIncomplete(client, moduleSource(module), tag, action, options);
}
