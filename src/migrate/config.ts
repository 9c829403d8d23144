/**
 * A project's own migration modules, declared in one file in the directory
 * the CLI runs in: `rag-chat-db.config.ts` (or .mts, .js, .mjs, .json).
 *
 *   // rag-chat-db.config.ts
 *   import { defineConfig } from 'rag-chat-db/migrate';
 *   export default defineConfig({
 *     modules: [{ name: 'app', folder: 'drizzle/app', schema: 'src/db/schema.ts', requires: ['auth'] }],
 *   });
 *
 * Each application module gets everything a built-in one does: its own
 * journal and drizzle migrations table (`drizzle.__drizzle_migrations_app_<name>`),
 * the lock, order and tamper checks, down files, `new`, `verify`, `lint`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { MissingDependencyError } from '../errors.ts';
import { MigrationRefusedError } from './errors.ts';
import { appMigrationsTable, builtinModuleNames, isModuleName, type ModuleInfo, type ModuleSet, moduleSet } from './modules.ts';

/** An application module in rag-chat-db.config: your own tables, migrated by our runner after the modules it requires. */
export interface AppModuleConfig {
  /** Lower-case letters, digits and `_`, starting with a letter; not one of ours (auth, chat, link, rls). */
  name: string;
  /** drizzle-kit's `out` folder for this module, relative to the config file. */
  folder: string;
  /** The schema file drizzle-kit reads, relative to the config file. It may import our tables from `rag-chat-db/schema`. */
  schema: string;
  /** Modules installed first: ours (`auth`, `chat`, `link`, `rls`) and other application modules. */
  requires?: readonly string[];
}

/** What a rag-chat-db.config file exports by default (see defineConfig). */
export interface RagChatDbConfig {
  /** The project's application modules. */
  modules: readonly AppModuleConfig[];
}

/** Types a rag-chat-db.config file; returns its argument. */
export function defineConfig<const T extends RagChatDbConfig>(config: T): T {
  return config;
}

/** Looked for in this order, in the directory the command runs in. */
export const configFileNames = [
  'rag-chat-db.config.ts',
  'rag-chat-db.config.mts',
  'rag-chat-db.config.js',
  'rag-chat-db.config.mjs',
  'rag-chat-db.config.json',
] as const;

const moduleNamePattern = /^[a-z][a-z0-9_]{0,39}$/;

const configSchema = z.strictObject({
  modules: z.array(
    z.strictObject({
      name: z
        .string()
        .regex(moduleNamePattern, 'lower-case letters, digits and _, starting with a letter, at most 40 characters')
        .refine((name) => !isModuleName(name), { message: `${builtinModuleNames.join(', ')} are rag-chat-db's own modules; choose another name` }),
      folder: z.string().min(1),
      schema: z.string().min(1),
      requires: z.array(z.string()).default([]),
    }),
  ),
});

/** The path of the rag-chat-db.config file in `dir` (configFileNames, in order), or undefined. */
export function findConfig(dir: string): string | undefined {
  return configFileNames.map((name) => join(dir, name)).find((path) => existsSync(path));
}

/** The modules a project sees: ours, plus those of the config file in `dir` if there is one. */
export async function loadModules(dir: string): Promise<ModuleSet> {
  const path = findConfig(dir);
  if (!path) return moduleSet();
  const raw = await importConfig(path);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new MigrationRefusedError(
      parsed.error.issues.map((issue) => `${path}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`),
    );
  }
  return moduleSet(appModules(parsed.data.modules, dirname(path), path), path);
}

/** Checks names and requirements, resolves the paths, and orders the modules so each comes after what it requires. */
export function appModules(declared: readonly AppModuleConfig[], base: string, where = 'rag-chat-db config'): ModuleInfo[] {
  const problems: string[] = [];
  const byName = new Map<string, AppModuleConfig>();
  for (const entry of declared) {
    if (byName.has(entry.name)) problems.push(`${where}: module "${entry.name}" is declared twice`);
    byName.set(entry.name, entry);
  }
  for (const entry of declared) {
    for (const needed of entry.requires ?? []) {
      if (!isModuleName(needed) && !byName.has(needed)) {
        problems.push(`${where}: module "${entry.name}" requires "${needed}", which is neither ours (${builtinModuleNames.join(', ')}) nor declared`);
      }
    }
  }
  if (problems.length > 0) throw new MigrationRefusedError(problems);

  const ordered: ModuleInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entry: AppModuleConfig, chain: string[]) => {
    if (state.get(entry.name) === 'done') return;
    if (state.get(entry.name) === 'visiting') {
      throw new MigrationRefusedError([`${where}: modules require each other in a cycle: ${[...chain, entry.name].join(' -> ')}`]);
    }
    state.set(entry.name, 'visiting');
    for (const needed of entry.requires ?? []) {
      const other = byName.get(needed);
      if (other) visit(other, [...chain, entry.name]);
    }
    state.set(entry.name, 'done');
    ordered.push({
      name: entry.name,
      kind: 'app',
      schemaFile: resolve(base, entry.schema),
      migrationsFolder: resolve(base, entry.folder),
      migrationsTable: appMigrationsTable(entry.name),
      requires: [...(entry.requires ?? [])],
    });
  };
  for (const entry of declared) visit(entry, []);
  return ordered;
}

/** drizzle-kit's own config files, as it looks for them. */
const drizzleConfigNames = ['drizzle.config.ts', 'drizzle.config.mts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.json'];

/**
 * The `casing` the project's drizzle.config declares, for `new` to pass to
 * drizzle-kit: it runs drizzle-kit on one module's schema with flags, and
 * drizzle-kit then reads no config of its own, so without this a
 * `casing: 'snake_case'` project would get `"preferredTimezone"` where its
 * runtime queries `preferred_timezone`. Undefined when none is declared.
 */
export async function drizzleCasing(dir: string): Promise<'camelCase' | 'snake_case' | undefined> {
  const path = drizzleConfigNames.map((name) => join(dir, name)).find((candidate) => existsSync(candidate));
  if (!path) return undefined;
  const loaded = await importConfig(path).catch((error: unknown) => {
    throw new MigrationRefusedError([`cannot read ${path} for its casing: ${(error as Error).message ?? String(error)}`]);
  });
  const casing = (loaded as { casing?: unknown } | undefined)?.casing;
  return casing === 'camelCase' || casing === 'snake_case' ? casing : undefined;
}

async function importConfig(path: string): Promise<unknown> {
  const extension = extname(path);
  if (extension === '.json') return JSON.parse(readFileSync(path, 'utf8'));
  const loaded = (extension === '.ts' || extension === '.mts' ? await importTypeScript(path) : await import(pathToFileURL(path).href)) as {
    default?: unknown;
  };
  return loaded && typeof loaded === 'object' && 'default' in loaded ? loaded.default : loaded;
}

/**
 * Node 20 cannot import TypeScript: jiti (zero dependencies, what drizzle-
 * adjacent tools load their TS configs with) transpiles it on the fly. Looked
 * up from the project first, then from this package.
 */
async function importTypeScript(path: string): Promise<unknown> {
  const specifier = 'jiti';
  let resolved: string | undefined;
  for (const from of [path, import.meta.url]) {
    try {
      resolved = createRequire(from).resolve(specifier);
      break;
    } catch {
      // not installed there
    }
  }
  if (!resolved) {
    throw new MissingDependencyError(
      specifier,
      `${path} is TypeScript, which Node 20 cannot load by itself: npm install -D jiti (or write the config as rag-chat-db.config.mjs or .json)`,
    );
  }
  const { createJiti } = (await import(pathToFileURL(resolved).href)) as {
    createJiti: (from: string, options?: object) => { import: (id: string, options?: { default?: boolean }) => Promise<unknown> };
  };
  return createJiti(pathToFileURL(path).href, { moduleCache: false }).import(path);
}
