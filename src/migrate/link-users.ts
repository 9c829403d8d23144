/**
 * `rag-chat-db link-users <table>[.<column>]`: foreign keys from our user ids
 * to an auth provider's user table (better-auth's or Auth.js's `user`), so
 * that the provider deleting a user deletes everything of theirs we hold.
 *
 * Two layouts:
 * - `chat` (`init --scope chat`, no `users` of ours): the chat tables' user
 *   ids reference the provider's table, the constraints the link module
 *   adds to our `users` (`linkForeignKeys`), pointed elsewhere.
 * - `all` (`init --scope all`, for onboarding profiles): our `users` mirrors
 *   the provider's (a provider hook calls createUser with its id), and one
 *   foreign key from `users.id`, the column `linkForeignKeys` references,
 *   cascades through users to the chat rows and the profile.
 *
 * The migration goes into an application module (rag-chat-db.config.ts),
 * written as `new --custom` writes one, with a reviewed down file; `init`
 * applies it after the provider's tables.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { linkForeignKeys } from '../schema/link.ts';
import { MigrationRefusedError } from './errors.ts';
import { statementBreakpoint } from './files.ts';
import { ignoreMarker } from './lint.ts';
import type { ModuleInfo, ModuleSet } from './modules.ts';
import { type NewMigration, slugify, writeAppMigration } from './new.ts';

/** The layouts `link-users` writes: `chat` (the chat tables' user ids reference the provider's user table) and `all` (our `users` rows mirror the provider's: `users.id` references it). */
export const linkLayouts = ['chat', 'all'] as const;
/** A link-users layout: `chat` or `all` (see linkLayouts). */
export type LinkLayout = (typeof linkLayouts)[number];

/** What linkUsersMigration links to: the auth provider's user table, its id column and schema, and the layout. */
export interface LinkUsersOptions {
  /** The provider's user table: `user` for better-auth and Auth.js. */
  table: string;
  /** Its id column, `id` by default. */
  column?: string;
  /** The table's schema, `public` by default. */
  schema?: string;
  /** `chat` (default): chat tables -> provider; `all`: our users -> provider, our users -> chat as the link module has it. */
  layout?: LinkLayout;
}

/** A foreign key the link-users migration adds to the provider's user table. */
export interface LinkUsersForeignKey {
  /** The constraint's name. */
  name: string;
  /** Our table it is on. */
  table: string;
  /** Its user id column. */
  column: string;
}

/** The migration linkUsersMigration makes: its description, the up and down SQL, and the foreign keys the up file adds. */
export interface LinkUsersSql {
  /** The migration's description, slugged into its tag. */
  description: string;
  /** The up file's SQL: checks that the provider's table exists with a text id and holds every user id of ours, then adds the foreign keys. */
  up: string;
  /** The down file's SQL: drops those foreign keys. */
  down: string;
  /** The constraints the up file adds (the down file drops them). */
  foreignKeys: LinkUsersForeignKey[];
}

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const maxIdentifier = 63;

/** Our user-id columns that get a foreign key to the provider, derived from the link module's constraints. */
export function linkedColumns(layout: LinkLayout): { table: string; column: string }[] {
  const pairs =
    layout === 'chat'
      ? linkForeignKeys.map(({ table, column }) => ({ table, column })) // the chat tables' user ids
      : linkForeignKeys.map(({ references }) => references); // what they reference: users.id
  return [...new Map(pairs.map((pair) => [`${pair.table}.${pair.column}`, pair])).values()];
}

function constraintName(table: string, column: string, target: string, targetColumn: string): string {
  const name = `${table}_${column}_${target}_${targetColumn}_fk`;
  if (name.length <= maxIdentifier) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, maxIdentifier - 12)}_${hash}_fk`;
}

/** The up and down SQL of the migration `link-users` writes. Throws MigrationRefusedError for a name that is not a plain identifier. */
export function linkUsersMigration(options: LinkUsersOptions): LinkUsersSql {
  const { table, column = 'id', schema = 'public', layout = 'chat' } = options;
  const bad = Object.entries({ table, column, schema }).filter(([, value]) => !identifierPattern.test(value));
  if (bad.length > 0) {
    throw new MigrationRefusedError(
      bad.map(([what, value]) => `link-users: the ${what} "${value}" is not a plain identifier (letters, digits and _, at most 63, not starting with a digit)`),
    );
  }
  if (!(linkLayouts as readonly string[]).includes(layout)) throw new MigrationRefusedError([`link-users: --layout must be one of ${linkLayouts.join(', ')}`]);
  const ours = new Set(linkForeignKeys.flatMap((fk) => [fk.table, fk.references.table]));
  if (schema === 'public' && ours.has(table)) {
    throw new MigrationRefusedError([`link-users: "${table}" is one of rag-chat-db's tables; name the auth provider's user table (better-auth's and Auth.js's is "user").`]);
  }

  const target = `"${schema}"."${table}"`;
  const targetText = `${schema}.${table}(${column})`;
  const columns = linkedColumns(layout);
  const foreignKeys = columns.map((pair) => ({ ...pair, name: constraintName(pair.table, pair.column, table, column) }));
  const sources = columns.map((pair) => pair.table).join(', ');
  const union = columns.map((pair) => `SELECT "${pair.column}"::text AS user_id FROM "${pair.table}"`).join('\n    UNION\n    ');

  const header = [
    `-- Written by \`rag-chat-db link-users ${schema === 'public' ? '' : `--schema ${schema} `}${table}.${column} --layout ${layout}\`:`,
    layout === 'chat'
      ? `-- the chat tables' user ids reference the auth provider's ${targetText}; deleting a user there deletes`
      : `-- our users mirror the auth provider's ${targetText}; deleting a user there deletes our users row, and`,
    layout === 'chat'
      ? '-- their sessions, messages, citations, feedback and deleted-message records here.'
      : '-- with it (link module) their sessions, messages, citations, feedback, records and profile.',
    `${ignoreMarker} adding-foreign-key-constraint, constraint-missing-not-valid: the scan covers ${sources} (never messages), after the orphan check; NOT VALID then VALIDATE would hold the same locks in this file's one transaction`,
  ];
  const checkType = `-- The provider's table must exist (its migrations run first) and its id be text, as our user ids are.
DO $$
DECLARE
  column_type text;
BEGIN
  IF to_regclass('${target}') IS NULL THEN
    RAISE EXCEPTION 'cannot link users to ${target}: there is no such table'
      USING ERRCODE = 'undefined_table',
            HINT = 'Create the auth provider''s tables first: in a migration of this module before this one, or with the provider''s own migrate before init.';
  END IF;
  SELECT format_type(a.atttypid, a.atttypmod) INTO column_type
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = to_regclass('${target}') AND a.attname = '${column}' AND a.attnum > 0 AND NOT a.attisdropped;
  IF column_type IS NULL THEN
    RAISE EXCEPTION 'cannot link users to ${target}: it has no column "${column}"'
      USING ERRCODE = 'undefined_column', HINT = 'Name the id column: rag-chat-db link-users ${table}.<column>.';
  END IF;
  IF column_type <> 'text' AND column_type NOT LIKE 'character varying%' THEN
    RAISE EXCEPTION 'cannot link users to ${target}("${column}"): its type is %, and our user ids are text', column_type
      USING ERRCODE = 'datatype_mismatch',
            HINT = 'Use the provider''s text ids (better-auth''s and Auth.js''s defaults), or make that column text.';
  END IF;
END
$$;`;
  const checkOrphans = `-- Refuses, naming the ids, when our rows hold user ids the provider does not have.
DO $$
DECLARE
  orphan_count bigint;
  examples text;
BEGIN
  WITH orphans AS (
    ${union}
    EXCEPT
    SELECT "${column}"::text FROM ${target}
  )
  SELECT count(*), (SELECT string_agg(user_id, ', ') FROM (SELECT user_id FROM orphans ORDER BY user_id LIMIT 5) AS first_five)
    INTO orphan_count, examples
    FROM orphans;
  IF orphan_count > 0 THEN
    RAISE EXCEPTION 'cannot link users to ${target}: % user id(s) in ${sources} have no row in ${target}, for example %', orphan_count, examples
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'Delete those users'' rows here (eraseUser) or create them in the auth provider, then run init again.';
  END IF;
END
$$;`;
  const adds = foreignKeys.map(
    (fk) =>
      `ALTER TABLE "${fk.table}" ADD CONSTRAINT "${fk.name}" FOREIGN KEY ("${fk.column}") REFERENCES ${target}("${column}") ON DELETE cascade ON UPDATE no action;`,
  );
  const up = `${header.join('\n')}\n${[checkType, checkOrphans, ...adds].join(`\n${statementBreakpoint}\n`)}\n`;
  const down = `${[...foreignKeys].reverse().map((fk) => `ALTER TABLE "${fk.table}" DROP CONSTRAINT "${fk.name}";`).join(`\n${statementBreakpoint}\n`)}\n`;
  return { description: `link users to ${table}${layout === 'all' ? ' layout all' : ''}`, up, down, foreignKeys };
}

/** The options of writeLinkUsersMigration: linkUsersMigration's, and the application module to write into. */
export interface WriteLinkUsersOptions extends LinkUsersOptions {
  /** The project's modules, from loadModules(projectDir). */
  modules: ModuleSet;
  /** The application module to write into; the only one when there is one. */
  module?: string;
  /** The project's directory (paths in the result are relative to it); the current directory by default. */
  root?: string;
}

/**
 * Writes the link-users migration pair, and its journal entry, into an
 * application module. Refuses, writing nothing, when there is no
 * application module, when the module does not require what the layout
 * links to (`chat`; `link` for layout all), or for a bad name.
 */
export function writeLinkUsersMigration(options: WriteLinkUsersOptions): NewMigration {
  const { modules: set, root = process.cwd() } = options;
  const layout = options.layout ?? 'chat';
  const info = appModuleFor(set, options.module);
  const needed = layout === 'chat' ? 'chat' : 'link';
  if (!requirements(info, set).has(needed)) {
    throw new MigrationRefusedError([
      `link-users --layout ${layout}: module ${info.name} must require ${needed}, so that init installs ${needed === 'chat' ? 'the chat tables' : 'auth, chat and the link between them'} first: ` +
        `add requires: ['${needed}'] to it in ${set.configPath ?? 'rag-chat-db.config.ts'}.`,
    ]);
  }
  const sql = linkUsersMigration({ ...options, layout });
  const name = slugify(sql.description);
  const existing = existsSync(info.migrationsFolder) ? readdirSync(info.migrationsFolder).find((file) => file === `${file.slice(0, 4)}_${name}.sql`) : undefined;
  if (existing) {
    throw new MigrationRefusedError([`link-users: module ${info.name} has this link already (${existing}); roll it back and delete its files to write it again.`]);
  }
  return { ...writeAppMigration(info, name, { up: sql.up, down: () => sql.down }, root), drafted: [] };
}

function appModuleFor(set: ModuleSet, name: string | undefined): ModuleInfo {
  const declare =
    `declare one in rag-chat-db.config.ts, e.g. defineConfig({ modules: [{ name: 'app', folder: 'drizzle/app', schema: 'src/db/schema.ts', requires: ['chat'] }] }) ` +
    `(docs/migrations.md, "Migrations for your own schema"), then run link-users again.`;
  if (set.app.length === 0) {
    throw new MigrationRefusedError([`link-users writes its migration into an application module of yours, and this project has none: ${declare}`]);
  }
  if (name === undefined) {
    if (set.app.length === 1) return set.app[0]!;
    throw new MigrationRefusedError([`link-users: say which application module takes the migration: --module ${set.app.map((info) => info.name).join(' | ')}`]);
  }
  const info = set.get(name);
  if (!info || info.kind !== 'app') {
    throw new MigrationRefusedError([
      `link-users: --module must name an application module (${set.app.map((entry) => entry.name).join(', ')}); ${info ? `${name} is one of rag-chat-db's own` : `there is no module ${name}`}.`,
    ]);
  }
  return info;
}

/** Every module `info` requires, transitively. */
function requirements(info: ModuleInfo, set: ModuleSet): Set<string> {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    found.add(name);
    set.get(name)?.requires.forEach(visit);
  };
  info.requires.forEach(visit);
  return found;
}
