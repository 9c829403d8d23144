/**
 * The `rag-chat-db` command. It connects to $DATABASE_URL_UNPOOLED or
 * $DATABASE_URL (from the environment, ./.env.local or ./.env), or, when
 * neither is set, to the embedded PGlite
 * database in ./.rag-chat-db/ (set but empty is an error). It never prints a
 * password: URLs are redacted, and every line printed is scrubbed of the
 * credentials the connection URLs hold.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative as relativePath, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { credentialsIn, redactUrl } from './connection/database-url.ts';
import { loadEnvFiles } from './connection/env-file.ts';
import { ConnectionConfigError, EmbeddedDatabaseInUseError, MissingDependencyError, RagChatDbError } from './errors.ts';
import { connectForMigrations, type MigrationClient, openEmbedded } from './migrate/client.ts';
import {
  isConnectionLost,
  MigrationBlockedError,
  MigrationConnectionLostError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  MigrationRefusedError,
  NoWayBackError,
} from './migrate/errors.ts';
import { loadModules } from './migrate/config.ts';
import { moduleSource, packageRoot, readMigrations } from './migrate/files.ts';
import {
  installSources,
  sourcesWithRequirements,
  isScope,
  moduleNames,
  migrate,
  type ModuleInfo,
  type ModuleSet,
  type ProgressEvent,
  type ResolveAction,
  type RollbackTarget,
  rollback,
  resolve,
  type Scope,
  scopes,
  status,
} from './migrate/index.ts';
import { adoptMigrations } from './migrate/adopt.ts';
import { installedScopeModules } from './migrate/installed.ts';
import { lintMigrations } from './migrate/lint.ts';
import { type LinkLayout, linkedColumns, linkLayouts, writeLinkUsersMigration } from './migrate/link-users.ts';
import { newMigration } from './migrate/new.ts';
import { assertWayBack, irreversibleFiles, statusProblems } from './migrate/reversibility.ts';
import { migrationScript } from './migrate/script.ts';
import { incompleteMessage, problemsOf } from './migrate/state.ts';
import { verifyMigrations } from './migrate/verify.ts';

/** Exit codes, documented in the README. */
export const exitCodes = {
  ok: 0,
  /** A migration statement failed, verify found a difference, or lint found a problem. */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** Refused before running anything: unsafe connection, embedded directory in use, tampered or incomplete migrations, no down file, lock wait over. */
  refused: 3,
  /** The database could not be reached, or the connection was lost during a run (the message says what became of the file). */
  unreachable: 4,
  /** A migration kept hitting lock_timeout behind another transaction through every --lock-retries attempt: not broken, run it again later. */
  blocked: 5,
  /** Refused before running anything: a migration to apply has no down file, or a draft, and is not declared irreversible. */
  noWayBack: 6,
} as const;

class UsageError extends Error {}

class UnreachableError extends RagChatDbError {
  constructor(where: string, cause: unknown) {
    super('UNREACHABLE', `cannot connect to ${where}: ${(cause as Error).message ?? String(cause)}`, { cause });
  }
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const commonOptions = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
  'lock-timeout': { type: 'string' },
  'lock-retries': { type: 'string' },
  'statement-timeout': { type: 'string' },
  wait: { type: 'string' },
} as const;

const help = {
  main: `Usage: rag-chat-db <command> [options]

Commands:
  init [--scope all|chat|auth|rls]  install the modules of a scope, or bring them up to date (alias: migrate)
                                 --dry-run prints the SQL instead; --to M/TAG or --steps N stop early
  script [--scope S]             write the scope's migrations as one psql-ready script (--out FILE)
  adopt [--scope S]              record the migrations as applied on a database built without rag-chat-db,
                                 if its schema is what they build (alias: baseline)
  rollback --module M            roll back a module's newest migration (--steps N, --to TAG, --all)
  status                         per module: applied, pending, tampered, failed
  verify                         apply, roll back and re-apply pending migrations on a scratch database
  new "<description>" --module M create a migration and its down file (after a schema change, or --custom;
                                 alias: create-migration)
  link-users <table>[.<column>]  a migration (into your application module) adding foreign keys, ON DELETE
                                 CASCADE, from our user ids to an auth provider's users (--layout chat|all)
  lint                           check every migration file with squawk and our own rules
  resolve <module>/<tag>         resume (--retry) or settle a failed no-transaction migration
  modules                        list the modules and what they need

Run "rag-chat-db <command> --help" for a command's options.

Connection: $DATABASE_URL_UNPOOLED, else $DATABASE_URL (environment, then ./.env.local, then ./.env);
when neither is set, the embedded PGlite database in ./.rag-chat-db/, one process at a time (set but
empty is an error). RAG_CHAT_DB_CONNECT_TIMEOUT bounds connecting (10 s).
Exit codes: 0 ok, 1 failed, 2 usage, 3 refused (nothing was run), 4 database unreachable or connection lost,
5 blocked by another transaction's lock (after --lock-retries), 6 refused: a migration to apply has no down
file (or a draft) and is not declared irreversible.
`,
  init: `Usage: rag-chat-db init [--scope all|chat|auth|rls] [options]

Installs the modules of the scope in dependency order and applies every pending migration, then the
application modules of ./rag-chat-db.config.ts (if any) in dependency order, all under one lock.
Running it again applies nothing. Refuses (exit 6), before applying anything, a file with no down
file or a draft one, unless it declares "-- rag-chat-db: irreversible <reason>".
  all    auth, chat and the link between them (foreign keys from chat to users)
  chat   sessions, messages, citations, feedback; user ids from an external auth provider
  auth   users and onboarding profiles
  rls    row-level security on the chat tables (installs chat first); use it with withUser()

Options:
  --scope S               default all
  --dry-run               print the SQL it would run (a psql-ready script, see script --help); change nothing
  --to M/TAG              apply pending migrations up to and including M/TAG (a tag alone if only one module has it)
  --steps N               apply at most N pending migrations
  --lock-timeout MS       lock_timeout for every statement, default 5000
  --lock-retries N        on lock timeout, try the file (no-transaction: the statement) N more times, with
                          backoff from 1 s doubling; default 3; then exit 5
  --statement-timeout MS  statement_timeout for every migration statement, default the server's
  --wait S                how long to wait for another migration run, default 120
  --verbose               print stack traces
`,
  rollback: `Usage: rag-chat-db rollback --module auth|chat|link|rls|<application module> [--steps N | --to TAG | --all] [options]

Rolls back a module's applied migrations, newest first, each down file with its journal row in one
transaction. --to TAG keeps TAG applied and rolls back what came after it. A module another installed
module depends on (link depends on auth and chat) cannot be rolled back entirely before it.

Options:
  --module M          required
  --steps N           how many migrations, default 1
  --to TAG            roll back everything after TAG
  --all               roll back every migration of the module
  --lock-timeout MS   default 5000
  --lock-retries N    default 3
  --statement-timeout MS
  --wait S            default 120
`,
  status: `Usage: rag-chat-db status [--json] [--all]

Per module: applied and pending migrations, and anything that stops a run: files changed after they
were applied (tampered), applied migrations whose file is gone, files out of order, and failed or
interrupted no-transaction migrations. Changes nothing. Exits 3 if there is such a problem.
Only the modules of the installed scope are listed (scope all on an empty database); --all lists every
module.
`,
  verify: `Usage: rag-chat-db verify [--scope S] [--yes-i-mean-it]

Tests the migrations on a branch first. On $VERIFY_DATABASE_URL (a Neon branch or a scratch database),
or on a fresh in-memory PGlite database when it is not set: applies every pending migration one at a
time, rolls them all back, applies them again, and compares the schema after each step with the one
it should have, and that each down file keeps the rows it did not add (a data-only migration is
fine). Exits 1 on any difference. Refuses to run on $DATABASE_URL's database, as the servers
identify themselves (system identifier, database name, Neon branch), or when $DATABASE_URL's database
cannot be reached to tell them apart, unless --yes-i-mean-it.
`,
  new: `Usage: rag-chat-db new "<description>" --module <application module>|auth|chat|link [--custom]

After changing the module's schema file: runs drizzle-kit generate --name <description as a slug> and
writes the down file beside the new migration, drafted by reversing drizzle-kit's schema diff.
In your project, --module names a module of ./rag-chat-db.config.ts: the project's drizzle-kit reads
its schema, and only its folder is written (nothing at all when there is no change). auth, chat,
link and rls take new migrations only in a checkout of rag-chat-db.
With --custom: an empty migration to write by hand (data changes, CREATE INDEX CONCURRENTLY).
The down file starts with "-- rag-chat-db: draft"; review it and delete that line (rollback and lint
refuse drafts). Then: rag-chat-db verify, rag-chat-db init.
`,
  'link-users': `Usage: rag-chat-db link-users <table>[.<column>] [--schema public] [--layout chat|all] [--module M]

Writes a migration pair (up, and a reviewed .down.sql) into an application module of
./rag-chat-db.config.ts that links our user ids to an auth provider's user table, e.g. better-auth's
or Auth.js's "user" (column id): deleting a user there then deletes everything of theirs here.
  --layout chat   (default; init --scope chat) foreign keys to the provider's table from the user ids of
                  ${linkedColumns('chat').map(({ table }) => table).join(', ')}; the module must require chat
  --layout all    (init --scope all) our users mirror the provider's (a provider hook calls createUser
                  with the provider's id): one foreign key from users.id; the module must require link
  --schema S      the provider table's schema, default public
  --module M      the application module to write into (default: the only one)
The up file refuses, naming up to 5 ids, when our rows hold user ids the provider's table lacks, and
when the provider's id column is not text. The provider's tables must exist before it runs: generate
them into the same module first (rag-chat-db new), or run the provider's own migrate before init.
Then: rag-chat-db lint, rag-chat-db verify, rag-chat-db init. rollback --module M removes the keys.
`,
  lint: `Usage: rag-chat-db lint

Checks every migration file, up and down, with squawk (npm squawk-cli): ordinary files as run in a
transaction, no-transaction files without. A down file may drop what its own up file added. Also:
every migration has a down file (or declares "-- rag-chat-db: irreversible <reason>"), and no down
file is still a draft. A comment "-- rag-chat-db-lint-ignore <rule>: <reason>" silences a rule in its
file. The rules silenced, and why, are listed in the README. Exits 1 on any finding.
`,
  resolve: `Usage: rag-chat-db resolve <module>/<tag> --retry | --restart | --mark-applied | --mark-rolled-back

A no-transaction migration (for CREATE INDEX CONCURRENTLY) that failed or was interrupted blocks every
run until resolved. An INVALID index its failed statement left is dropped first.
  --retry              resume it now at the statement that failed; the ones before it are not run again
                       (refused if the file's number of statements changed since: use --restart)
  --restart            clear the record: the next init runs it from its first statement (make it safe to re-run)
  --mark-applied       you finished it by hand: record it as applied
  --mark-rolled-back   you finished its rollback by hand: record it as not applied
`,
  script: `Usage: rag-chat-db script [--scope all|chat|auth|rls] [--out FILE]

Writes every migration of the scope as one script for psql, to FILE or stdout, without connecting:
  psql "$DATABASE_URL" -f install.sql
Each migration runs as init runs it (in a transaction with its journal row; no-transaction files
statement by statement), under the same lock, and only if its journal row is missing: a database the
script built is one the CLI recognises, and running the script twice applies nothing the second time.
`,
  adopt: `Usage: rag-chat-db adopt [--scope all|chat|auth|rls | --module M]

For a database whose schema was built without rag-chat-db (psql -f of the migration files, a DBA's
script): applies the scope's migrations to an empty scratch database (a new database on the same server,
dropped afterwards; in memory for the embedded database), compares the two schemas and, only if every
object the migrations make is there as they make it, records them as applied. Otherwise it writes
nothing and lists what differs ("- " missing or different, "+ " added on their tables); exits 1.
With application modules (./rag-chat-db.config.ts) they are part of the scope. Modules that already
have migrations recorded are built too but not recorded again: after init installed ours, a module of
yours built with psql -f can be adopted alone. --module M takes M and what it requires instead of a scope.
Needs the right to CREATE DATABASE, or $ADOPT_SCRATCH_URL naming an empty database to use instead.
`,
  modules: `Usage: rag-chat-db modules

Lists the modules (ours, then those of ./rag-chat-db.config.ts), their migrations folders and what each needs.
`,
} as const;

export async function main(argv: string[], rawIo: Io = defaultIo()): Promise<number> {
  const io = scrubbing(rawIo);
  const [command, ...rest] = argv;
  let verbose = rest.includes('--verbose');
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
        io.out(help.main);
        return exitCodes.ok;
      case '-v':
      case '--version':
        io.out(version());
        return exitCodes.ok;
      case 'init':
      case 'migrate':
        return await initCommand(rest, io);
      case 'rollback':
        return await rollbackCommand(rest, io);
      case 'status':
        return await statusCommand(rest, io);
      case 'verify':
        return await verifyCommand(rest, io);
      case 'new':
      case 'create-migration':
        return await newCommand(rest, io);
      case 'lint':
        return await lintCommand(rest, io);
      case 'link-users':
        return await linkUsersCommand(rest, io);
      case 'resolve':
        return await resolveCommand(rest, io);
      case 'modules':
        return await modulesCommand(rest, io);
      case 'script':
        return await scriptCommand(rest, io);
      case 'adopt':
      case 'baseline':
        return await adoptCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    verbose ||= io.env.DEBUG?.includes('rag-chat-db') ?? false;
    return report(error, io, verbose);
  }
}

function report(error: unknown, io: Io, verbose: boolean): number {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`rag-chat-db: ${(error as Error).message}\nRun "rag-chat-db --help" for usage.`);
    return exitCodes.usage;
  }
  // A driver's connection error that no file wrapped: it broke between files, or before or after them.
  const lostOutsideFile = isConnectionLost(error) && !(error instanceof RagChatDbError);
  const message = (error as Error).message ?? String(error);
  io.err(`rag-chat-db: ${lostOutsideFile ? `lost the database connection while no migration file was running, so none is half-done (${message})` : message}`);
  if (verbose) {
    for (let cause: unknown = error; cause !== undefined; cause = (cause as { cause?: unknown }).cause) {
      io.err(`${cause === error ? '' : 'caused by: '}${(cause as Error).stack ?? String(cause)}`);
    }
  }
  if (error instanceof UnreachableError || error instanceof MigrationConnectionLostError || lostOutsideFile) return exitCodes.unreachable;
  if (error instanceof MigrationFailedError && error.noTransaction) {
    // A no-transaction file that failed or stayed blocked is recorded, and blocks every run until resolved:
    // what the next run will say, the exact `rag-chat-db resolve <module>/<tag>` to run.
    const { module, tag, direction, statementIndex, statementCount } = error;
    io.err(`rag-chat-db: ${incompleteMessage({ module, tag, direction, statementIndex, statementCount, status: 'failed', error: null })}`);
  }
  if (error instanceof MigrationBlockedError) return exitCodes.blocked;
  if (error instanceof NoWayBackError) return exitCodes.noWayBack;
  if (
    error instanceof MigrationRefusedError ||
    error instanceof MigrationLockTimeoutError ||
    error instanceof EmbeddedDatabaseInUseError ||
    error instanceof ConnectionConfigError ||
    error instanceof MissingDependencyError
  ) {
    return exitCodes.refused;
  }
  return exitCodes.failed;
}

function parseScope(value: string | undefined): Scope {
  const scope = value ?? 'all';
  if (!isScope(scope)) throw new UsageError(`--scope must be one of ${Object.keys(scopes).join(', ')}, not "${scope}"`);
  return scope;
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals, strict: true });
}

function runOptions(
  values: { 'lock-timeout'?: string | boolean; 'lock-retries'?: string | boolean; 'statement-timeout'?: string | boolean; wait?: string | boolean },
  io: Io,
) {
  const number = (name: string, raw: string | boolean | undefined, scale: number) => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${name} takes a number, not "${raw}"`);
    return Math.round(value * scale);
  };
  return {
    lockTimeoutMs: number('lock-timeout', values['lock-timeout'], 1),
    lockRetries: number('lock-retries', values['lock-retries'], 1),
    statementTimeoutMs: number('statement-timeout', values['statement-timeout'], 1),
    waitMs: number('wait', values.wait, 1000),
    onProgress: (event: ProgressEvent) => progress(event, io),
  };
}

function progress(event: ProgressEvent, io: Io): void {
  if (event.type === 'waiting') {
    io.err(`waiting for another migration run to finish${event.holder ? ` (${event.holder})` : ''}...`);
  } else if (event.type === 'retry') {
    io.err(
      `  ${event.module}/${event.tag}: lock_timeout behind another transaction; attempt ${event.attempt} of ${event.attempts} in ${(event.delayMs / 1000).toFixed(1)} s`,
    );
  } else if (event.type === 'done') {
    const verb = event.direction === 'up' ? 'applied' : 'rolled back';
    io.out(`  ${verb.padEnd(11)} ${`${event.module}/${event.tag}`.padEnd(44)} ${event.ms} ms`);
  }
}

/**
 * Every line printed, with each credential the connection URLs hold (and
 * PGPASSWORD) replaced by ***: behind redactUrl, this also covers driver
 * messages, stacks and causes. Secrets under 4 characters are left to
 * redactUrl (scrubbing them would garble the output).
 */
function scrubbing(io: Io): Io {
  const scrub = (line: string) => {
    const secrets = [io.env.DATABASE_URL, io.env.DATABASE_URL_UNPOOLED, io.env.VERIFY_DATABASE_URL]
      .flatMap((url) => (url ? credentialsIn(url) : []))
      .concat(io.env.PGPASSWORD ? [io.env.PGPASSWORD] : [])
      .filter((secret) => secret.length >= 4)
      .sort((a, b) => b.length - a.length);
    return secrets.reduce((text, secret) => text.split(secret).join('***'), line);
  };
  return { ...io, out: (line) => io.out(scrub(line)), err: (line) => io.err(scrub(line)) };
}

/**
 * A connection URL from the environment: undefined when the variable is not
 * set; an error when it is set but empty (a mistyped CI secret must not
 * quietly become the embedded database).
 */
function urlFromEnv(io: Io, name: 'DATABASE_URL' | 'DATABASE_URL_UNPOOLED' | 'VERIFY_DATABASE_URL'): string | undefined {
  const url = io.env[name];
  if (url === undefined) return undefined;
  if (url.trim() === '') {
    throw new ConnectionConfigError(
      `${name} is set but empty. Give it a postgres:// URL, or unset it${name === 'VERIFY_DATABASE_URL' ? ' to verify on an in-memory PGlite database' : name === 'DATABASE_URL' ? ' to use the embedded PGlite database' : ''}.`,
    );
  }
  return url;
}

/** The connection variables the real environment set, by environment (before any env file filled in the rest). */
const urlVariables = ['DATABASE_URL', 'DATABASE_URL_UNPOOLED'] as const;
const setByEnvironment = new WeakMap<NodeJS.ProcessEnv, Set<(typeof urlVariables)[number]>>();

/** Loads ./.env, then ./.env.local over it, into the environment without overriding what is already set. */
function loadDotEnv(io: Io): void {
  if (!setByEnvironment.has(io.env)) setByEnvironment.set(io.env, new Set(urlVariables.filter((name) => io.env[name] !== undefined)));
  loadEnvFiles(io.env, io.cwd);
}

/**
 * The URL to migrate with: DATABASE_URL_UNPOOLED when set (the direct URL
 * Neon's Vercel integration writes beside a pooled DATABASE_URL), else
 * DATABASE_URL. A URL the real environment sets wins over one from an env
 * file, whichever its name: `DATABASE_URL=<staging> npx rag-chat-db init`
 * must not migrate the database `.env.local` names.
 */
function migrationUrlFromEnv(io: Io): string | undefined {
  const fromEnvironment = setByEnvironment.get(io.env);
  if (fromEnvironment?.size === 1) return urlFromEnv(io, [...fromEnvironment][0]!);
  return urlFromEnv(io, 'DATABASE_URL_UNPOOLED') ?? urlFromEnv(io, 'DATABASE_URL');
}

/** The database of DATABASE_URL_UNPOOLED / DATABASE_URL, or the embedded one. Fails fast, with exit code 4, if it cannot be reached. */
async function openDatabase(io: Io): Promise<MigrationClient> {
  loadDotEnv(io);
  const url = migrationUrlFromEnv(io);
  if (url === undefined) {
    const dir = resolvePath(io.cwd, io.env.RAG_CHAT_DB_EMBEDDED_DIR ?? '.rag-chat-db');
    io.err(`rag-chat-db: DATABASE_URL is not set; using the embedded PGlite database in ${dir}`);
    return openEmbedded(dir);
  }
  return connectChecked(url, io);
}

/** Connects and runs a first query, within RAG_CHAT_DB_CONNECT_TIMEOUT seconds as a whole; an unusable URL stays a ConnectionConfigError. */
async function connectChecked(url: string, io: Io, options: { allowPooler?: boolean } = {}): Promise<MigrationClient> {
  try {
    return await connectForMigrations(url, { connectTimeout: Number(io.env.RAG_CHAT_DB_CONNECT_TIMEOUT ?? 10), ...options });
  } catch (error) {
    if (error instanceof RagChatDbError) throw error;
    throw new UnreachableError(redactUrl(url), error);
  }
}

async function withDatabase<T>(io: Io, fn: (client: MigrationClient) => Promise<T>): Promise<T> {
  const client = await openDatabase(io);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

async function initCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { scope: { type: 'string' }, 'dry-run': { type: 'boolean' }, to: { type: 'string' }, steps: { type: 'string' } });
  if (values.help) return printHelp(io, 'init');
  const scope = parseScope(values.scope);
  const maxSteps = values.steps === undefined ? undefined : wholeNumber('steps', values.steps);
  const set = await loadModules(io.cwd);
  const sources = installSources(scope, set); // the scope, what the application modules require, then those modules
  const options = { ...runOptions(values, io), maxSteps, to: values.to };
  return withDatabase(io, async (client) => {
    const app = set.app.length ? `, then ${set.app.map((info) => info.name).join(', ')}` : '';
    if (values['dry-run']) {
      // What init would do, checked as init checks it: the state, then the files chosen (--to, --steps) for a way back.
      const states = await status(client, sources);
      const problems = states.flatMap(problemsOf);
      if (problems.length > 0) throw new MigrationRefusedError(problems);
      const pending = states.flatMap((state) => state.pending);
      const last = Math.min(maxSteps ?? pending.length, values.to === undefined ? pending.length : throughTag(pending, values.to));
      const chosen = pending.slice(0, last);
      assertWayBack(chosen);
      io.out(
        migrationScript(
          states.map((state) => ({ source: state.source, files: state.pending.filter((file) => chosen.includes(file)) })),
          {
            lockTimeoutMs: options.lockTimeoutMs,
            statementTimeoutMs: options.statementTimeoutMs,
            title: `rag-chat-db init --dry-run on ${client.description}, scope ${scope}${app}: ${chosen.length} pending`,
          },
        ),
      );
      return exitCodes.ok;
    }
    io.out(`rag-chat-db: ${client.description}, scope ${scope} (${scopes[scope].join(', ')}${app})`);
    const steps = await migrate(client, { scope, modules: set, ...options });
    io.out(steps.length === 0 ? 'up to date: nothing to apply' : `applied ${steps.length} migration${steps.length === 1 ? '' : 's'}`);
    await noteUnlinkedModules(client, scope, io);
    return exitCodes.ok;
  });
}

function wholeNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} takes a whole number of at least 1, not "${raw}"`);
  return value;
}

/** For --dry-run: how many pending files `--to` takes (the runner checks the same under its lock). */
function throughTag(pending: readonly { module: string; tag: string }[], to: string): number {
  const index = pending.findIndex((file) => to === `${file.module}/${file.tag}` || to === file.tag);
  if (index === -1) throw new MigrationRefusedError([`${to} is not a pending migration.`]);
  return index + 1;
}

async function scriptCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { scope: { type: 'string' }, out: { type: 'string' } });
  if (values.help) return printHelp(io, 'script');
  const scope = parseScope(values.scope);
  const sources = installSources(scope, await loadModules(io.cwd));
  const parts = sources.map((source) => ({ source, files: readMigrations(source) }));
  assertWayBack(parts.flatMap((part) => part.files)); // as init does: a DBA's run must leave a way back too
  const { lockTimeoutMs, statementTimeoutMs } = runOptions(values, io);
  const script = migrationScript(parts, {
    lockTimeoutMs,
    statementTimeoutMs,
    title: `rag-chat-db ${version()}: the migrations of scope ${scope} (${sources.map((source) => source.name).join(', ')})`,
  });
  if (values.out === undefined) {
    io.out(script);
  } else {
    writeFileSync(resolvePath(io.cwd, values.out), script);
    io.err(`wrote ${values.out}: psql "$DATABASE_URL" -f ${values.out}`);
  }
  return exitCodes.ok;
}

async function adoptCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { scope: { type: 'string' }, module: { type: 'string' } });
  if (values.help) return printHelp(io, 'adopt');
  const scope = parseScope(values.scope);
  const set = await loadModules(io.cwd);
  const sources = values.module === undefined ? installSources(scope, set) : sourcesWithRequirements([values.module], set);
  return withDatabase(io, async (client) => {
    io.out(`rag-chat-db adopt: ${client.description}, scope ${scope} (${sources.map((source) => source.name).join(', ')})`);
    // The scratch build prints no progress: its "applied" lines would read as if the database were changed.
    const { onProgress: _, ...options } = runOptions(values, io);
    const report = await withScratch(client, io, (scratch) => adoptMigrations(client, scratch, sources, options));
    if (report.adopted) {
      io.out(`the schema matches: recorded ${report.migrations.length} migration${report.migrations.length === 1 ? '' : 's'} as applied`);
      return exitCodes.ok;
    }
    io.out(`the schema differs from what the ${report.migrations.length} migrations build; nothing was recorded:`);
    for (const line of report.differences) io.out(`  ${line}`);
    return exitCodes.failed;
  });
}

/**
 * An empty database to build the expected schema on: $ADOPT_SCRATCH_URL; else
 * a new database on DATABASE_URL's server, dropped afterwards; for the
 * embedded database, an in-memory one.
 */
async function withScratch<T>(client: MigrationClient, io: Io, fn: (scratch: MigrationClient) => Promise<T>): Promise<T> {
  const given = io.env.ADOPT_SCRATCH_URL;
  const url = migrationUrlFromEnv(io); // the database being adopted: the scratch one goes beside it
  if (given) {
    const scratch = await connectChecked(given, io);
    try {
      return await fn(scratch);
    } finally {
      await scratch.close();
    }
  }
  if (!url) {
    const scratch = await openEmbedded('memory://');
    try {
      return await fn(scratch);
    } finally {
      await scratch.close();
    }
  }
  const name = `rag_chat_db_adopt_${randomBytes(6).toString('hex')}`;
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    throw new MigrationRefusedError([
      `cannot create a scratch database to compare with (${(error as Error).message}); set ADOPT_SCRATCH_URL to an empty database (a Neon branch of nothing, a local one).`,
    ]);
  }
  try {
    const scratchUrl = new URL(url);
    scratchUrl.pathname = `/${name}`;
    const scratch = await connectChecked(scratchUrl.toString(), io);
    try {
      return await fn(scratch);
    } finally {
      await scratch.close();
    }
  } finally {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

/** auth and chat both installed without the link module: say how to link them. */
async function noteUnlinkedModules(client: MigrationClient, scope: Scope, io: Io): Promise<void> {
  if (scope === 'all') return;
  const [auth, chat, link] = await status(client, ['auth', 'chat', 'link']);
  if (auth!.applied.length > 0 && chat!.applied.length > 0 && link!.applied.length === 0) {
    io.out('note: auth and chat are both installed but not linked; `rag-chat-db init --scope all` adds the foreign keys from chat to users.');
  }
}

async function rollbackCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    module: { type: 'string' },
    steps: { type: 'string' },
    to: { type: 'string' },
    all: { type: 'boolean' },
  });
  if (values.help) return printHelp(io, 'rollback');
  const set = await loadModules(io.cwd);
  const module = moduleOption(values.module, set).name;
  const chosen = [values.steps !== undefined, values.to !== undefined, values.all === true].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('give one of --steps, --to and --all');
  let target: RollbackTarget = { steps: 1 };
  if (values.all) target = { all: true };
  else if (values.to !== undefined) target = { to: values.to };
  else if (values.steps !== undefined) {
    const steps = Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps takes a whole number of at least 1, not "${values.steps}"`);
    target = { steps };
  }
  return withDatabase(io, async (client) => {
    io.out(`rag-chat-db: ${client.description}, rolling back ${module}`);
    const steps = await rollback(client, module, target, { modules: set, ...runOptions(values, io) });
    io.out(steps.length === 0 ? 'nothing to roll back' : `rolled back ${steps.length} migration${steps.length === 1 ? '' : 's'}`);
    return exitCodes.ok;
  });
}

async function statusCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' }, all: { type: 'boolean' } });
  if (values.help) return printHelp(io, 'status');
  const set = await loadModules(io.cwd);
  return withDatabase(io, async (client) => {
    const every = await status(client, set.all);
    const app = new Set(set.app.map((info) => info.name));
    const builtin = every.filter((state) => !app.has(state.source.name));
    const shown = new Set<string>([...(values.all ? moduleNames : installedScopeModules(builtin)), ...app]);
    const states = every.filter((state) => shown.has(state.source.name));
    const problems = states.flatMap(statusProblems);
    if (values.json) {
      io.out(
        JSON.stringify(
          states.map((state) => ({
            module: state.source.name,
            applied: state.applied.map((entry) => entry.file.tag),
            pending: state.pending.map((file) => file.tag),
            tampered: state.tampered.map((file) => file.tag),
            missingFiles: state.orphanRows.map((row) => ({ createdAt: row.createdAt, hash: row.hash })),
            outOfOrder: state.outOfOrder.map((file) => file.tag),
            incomplete: state.incomplete,
            irreversible: irreversibleFiles(state),
            problems: statusProblems(state),
          })),
          null,
          2,
        ),
      );
    } else {
      io.out(client.description);
      const width = Math.max(8, ...states.map((state) => state.source.name.length + 2));
      io.out(`${'module'.padEnd(width)}${'applied'.padEnd(10)}${'pending'.padEnd(10)}${'tampered'.padEnd(10)}failed`);
      for (const state of states) {
        io.out(
          `${state.source.name.padEnd(width)}${`${state.applied.length}/${state.files.length}`.padEnd(10)}` +
            `${String(state.pending.length).padEnd(10)}${String(state.tampered.length).padEnd(10)}${state.incomplete.length}`,
        );
      }
      for (const state of states) {
        for (const file of state.pending) io.out(`pending: ${state.source.name}/${file.tag}`);
        for (const { tag, reason } of irreversibleFiles(state)) io.out(`irreversible: ${state.source.name}/${tag}: ${reason}`);
      }
      for (const problem of problems) io.out(`problem: ${problem}`);
    }
    return problems.length > 0 ? exitCodes.refused : exitCodes.ok;
  });
}

async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { scope: { type: 'string' }, 'yes-i-mean-it': { type: 'boolean' } });
  if (values.help) return printHelp(io, 'verify');
  const scope = parseScope(values.scope);
  const sources = installSources(scope, await loadModules(io.cwd));
  loadDotEnv(io);
  const url = urlFromEnv(io, 'VERIFY_DATABASE_URL');
  const production = url && !values['yes-i-mean-it'] ? migrationUrlFromEnv(io) : undefined;
  const client = url ? await connectChecked(url, io) : await openEmbedded('memory://');
  try {
    if (production) await refuseProduction(client, production, io);
    io.out(`rag-chat-db verify: ${url ? client.description : 'a fresh in-memory PGlite database (VERIFY_DATABASE_URL is not set)'}`);
    const report = await verifyMigrations(client, sources, {
      ...runOptions(values, io),
      onProgress: () => {},
      onStep: (step) => {
        io.out(`  ${step.difference.length === 0 ? 'ok  ' : 'DIFF'} ${step.label}`);
        for (const line of step.difference.slice(0, 20)) io.out(`         ${line}`);
        for (const note of step.notes ?? []) io.out(`         note: ${note}`);
      },
    });
    io.out(report.ok ? `verified ${report.migrations} migration${report.migrations === 1 ? '' : 's'}: every step matched` : 'verify found differences');
    return report.ok ? exitCodes.ok : exitCodes.failed;
  } finally {
    await client.close();
  }
}

/**
 * Refuses when the verify database is DATABASE_URL's, as the servers
 * identify themselves: the cluster's system_identifier, the database name,
 * and on Neon the branch (neon.timeline_id; branches of a project may share
 * the rest). URLs that differ in text (localhost / 127.0.0.1, a pooler, an
 * alias) can name one database. When DATABASE_URL's cannot be reached, the
 * two cannot be told apart: refused too.
 */
async function refuseProduction(client: MigrationClient, production: string, io: Io): Promise<void> {
  const risk = 'verify rolls every pending migration back and forth';
  const cannotTell = (what: string, error: unknown) =>
    new MigrationRefusedError([
      `cannot ${what} to make sure VERIFY_DATABASE_URL is another database (${(error as Error).message}); ${risk}. ` +
        'Make it reachable, unset DATABASE_URL for this run, or pass --yes-i-mean-it.',
    ]);
  const scratchIdentity = await identity(client).catch((error: unknown) => {
    throw cannotTell("identify VERIFY_DATABASE_URL's database", error);
  });
  let productionIdentity: string;
  try {
    const other = await connectChecked(production, io, { allowPooler: true });
    try {
      productionIdentity = await identity(other);
    } finally {
      await other.close().catch(() => {});
    }
  } catch (error) {
    throw cannotTell("reach DATABASE_URL's database", error);
  }
  if (scratchIdentity === productionIdentity) {
    throw new MigrationRefusedError([
      `VERIFY_DATABASE_URL is the DATABASE_URL database (same server and database): ${risk}. ` +
        'Point it at a Neon branch or a scratch database, or pass --yes-i-mean-it.',
    ]);
  }
}

async function identity(client: MigrationClient): Promise<string> {
  const [row] = await client.query<{ identity: string }>(
    `SELECT concat_ws('/', system_identifier, current_database(), current_setting('neon.timeline_id', true)) AS identity FROM pg_control_system()`,
  );
  return row!.identity;
}

async function newCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { module: { type: 'string' }, custom: { type: 'boolean' } }, true);
  if (values.help) return printHelp(io, 'new');
  const description = positionals.join(' ').trim();
  if (!description) throw new UsageError('new needs a description, e.g. rag-chat-db new "add user timezone preference" --module auth');
  const module = moduleOption(values.module, await loadModules(io.cwd));
  const created = await newMigration({ description, module, custom: values.custom ?? false, root: io.cwd });
  io.out(`created ${created.upPath}`);
  io.out(`created ${created.downPath} (a draft${created.drafted.length ? ` of ${created.drafted.length} statement${created.drafted.length === 1 ? '' : 's'}` : ''}: review it, then delete its first line)`);
  io.out('next: rag-chat-db verify, then rag-chat-db init');
  return exitCodes.ok;
}

async function linkUsersCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { schema: { type: 'string' }, layout: { type: 'string' }, module: { type: 'string' } }, true);
  if (values.help) return printHelp(io, 'link-users');
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0) throw new UsageError('link-users needs one <table>[.<column>], e.g. rag-chat-db link-users user.id');
  const [table, column, ...more] = target.split('.');
  if (!table || more.length > 0 || column === '') throw new UsageError(`link-users: "${target}" is not <table>[.<column>]; give the schema with --schema`);
  const layout = values.layout ?? 'chat';
  if (!(linkLayouts as readonly string[]).includes(layout)) throw new UsageError(`--layout must be one of ${linkLayouts.join(', ')}, not "${layout}"`);
  const created = writeLinkUsersMigration({
    table,
    column,
    schema: values.schema,
    layout: layout as LinkLayout,
    module: values.module,
    modules: await loadModules(io.cwd),
    root: io.cwd,
  });
  io.out(`created ${created.upPath}`);
  io.out(`created ${created.downPath}`);
  io.out('next: rag-chat-db lint, rag-chat-db verify, then rag-chat-db init');
  return exitCodes.ok;
}

async function lintCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {});
  if (values.help) return printHelp(io, 'lint');
  const set = await loadModules(io.cwd);
  // In a project, its own modules (ours ship linted); in a checkout of rag-chat-db, ours too.
  const linted = set.all.filter((info) => info.kind === 'app' || existsSync(resolvePath(io.cwd, info.migrationsFolder)));
  if (linted.length === 0) {
    throw new MigrationRefusedError([
      `no migrations to lint in ${io.cwd}: no rag-chat-db.config declaring application modules here, and this is not a checkout of rag-chat-db. Run it from your project's root.`,
    ]);
  }
  const findings = await lintMigrations(io.cwd, linted.map((info) => moduleSource(info, io.cwd)));
  for (const finding of findings) io.out(`${finding.file}:${finding.line}: ${finding.rule}: ${finding.message}`);
  io.out(findings.length === 0 ? 'lint: no problems' : `lint: ${findings.length} problem${findings.length === 1 ? '' : 's'}`);
  return findings.length === 0 ? exitCodes.ok : exitCodes.failed;
}

async function resolveCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    { retry: { type: 'boolean' }, restart: { type: 'boolean' }, 'mark-applied': { type: 'boolean' }, 'mark-rolled-back': { type: 'boolean' } },
    true,
  );
  if (values.help) return printHelp(io, 'resolve');
  const [id] = positionals;
  const set = await loadModules(io.cwd);
  const [module, tag] = (id ?? '').split('/');
  if (!module || !set.get(module) || !tag) {
    throw new UsageError(
      `resolve needs <module>/<tag> with a module among ${set.all.map((info) => info.name).join(', ')}, e.g. rag-chat-db resolve chat/0002_add_index --retry`,
    );
  }
  const actions = (['retry', 'restart', 'mark-applied', 'mark-rolled-back'] as const).filter((action) => values[action]);
  if (actions.length !== 1) throw new UsageError('give one of --retry, --restart, --mark-applied and --mark-rolled-back');
  return withDatabase(io, async (client) => {
    io.out(await resolve(client, module, tag, actions[0] as ResolveAction, { modules: set, ...runOptions(values, io) }));
    return exitCodes.ok;
  });
}

async function modulesCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {});
  if (values.help) return printHelp(io, 'modules');
  const set = await loadModules(io.cwd);
  const width = Math.max(6, ...set.all.map((info) => info.name.length));
  for (const { name, kind, requires, migrationsFolder } of set.all) {
    const folder = kind === 'app' ? relativePath(io.cwd, migrationsFolder) : migrationsFolder;
    io.out(`${name.padEnd(width)} ${folder.padEnd(14)} ${requires.length ? `needs ${requires.join(', ')}` : 'stands alone'}`);
  }
  return exitCodes.ok;
}

/** --module: one of ours or a configured application module. */
function moduleOption(name: string | undefined, set: ModuleSet): ModuleInfo {
  const info = name === undefined ? undefined : set.get(name);
  if (!info) throw new UsageError(`--module must be one of ${set.all.map((entry) => entry.name).join(', ')}`);
  return info;
}

function printHelp(io: Io, command: keyof typeof help): number {
  io.out(help[command]);
  return exitCodes.ok;
}

function version(): string {
  return (JSON.parse(readFileSync(`${packageRoot}/package.json`, 'utf8')) as { version: string }).version;
}

export function defaultIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}
