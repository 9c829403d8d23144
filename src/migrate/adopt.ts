/**
 * Taking over a database whose schema was built without the runner (`psql -f`
 * of the migration files, a DBA's script, SQL written by hand): the migrations
 * are recorded as applied only if the live schema is what they build.
 *
 * What they build is measured, not assumed: every file is applied to an
 * empty scratch database (on the same server, so the catalog reads the
 * same) and its catalog dump (catalog.ts) compared with the live one. Every
 * object the migrations make must be there, as they make it; the live
 * database may hold more (the application's own tables), but not more on
 * the tables the migrations make (a column, index, constraint, trigger or
 * policy added by hand would be silently kept and then fight a later
 * migration). On a match the journal rows are written, under the runner's
 * lock, in one transaction; otherwise nothing is written and the report
 * says what differs.
 */
import { catalogDifference, dumpCatalog } from './catalog.ts';
import type { MigrationClient } from './client.ts';
import { MigrationRefusedError } from './errors.ts';
import { type MigrationSource, readMigrations } from './files.ts';
import { acquireMigrationLock } from './lock.ts';
import { applyMigrations, defaultWaitMs, type RunOptions, readStates } from './runner.ts';
import { ensureBookkeeping, journalTable, problemsOf } from './state.ts';

export interface AdoptReport {
  /** True when the schema matched and the migrations are now recorded as applied. */
  adopted: boolean;
  /** The migrations recorded (or that would have been): `module/tag`. */
  migrations: string[];
  /** `- line`: made by the migrations, missing or different in the database; `+ line`: on their tables, not made by them. */
  differences: string[];
}

/** The relation a catalog line is about (catalog.ts's format), for the kinds that hang off a table. */
function relationOf(line: string): string | undefined {
  const [kind, rest = ''] = line.split(/: (.*)/s);
  switch (kind) {
    case 'relation':
    case 'constraint':
    case 'policy':
      return rest.split(' ')[0];
    case 'column':
      return rest.split(' ')[0]!.replace(/\.[^.]+$/, '');
    case 'index':
    case 'trigger':
      return / ON (?:ONLY )?(\S+)/.exec(rest)?.[1];
    default:
      return undefined;
  }
}

/**
 * Compares `client`'s schema with what `sources` build on `scratch` (an
 * empty database the caller provides and discards) and, if they match,
 * records every file of the sources that have nothing recorded yet as
 * applied. Refused when every source is recorded already, or a recorded one
 * has pending files (the comparison needs them applied).
 */
export async function adoptMigrations(
  client: MigrationClient,
  scratch: MigrationClient,
  sources: readonly MigrationSource[],
  options: Pick<RunOptions, 'waitMs' | 'lockTimeoutMs'> = {},
): Promise<AdoptReport> {
  const release = await acquireMigrationLock(client, { waitMs: options.waitMs ?? defaultWaitMs });
  try {
    const states = await readStates(client, sources);
    const problems = states.flatMap(problemsOf);
    // Modules the runner already manages are built on the scratch database too (what the others stand on),
    // but only those with nothing recorded are adopted: an application module a DBA built with psql -f after
    // ours were installed by init.
    const untracked = states.filter((state) => state.applied.length === 0 && state.orphanRows.length === 0).map((state) => state.source);
    if (untracked.length === 0) problems.push('every module here already has migrations recorded: nothing to adopt; use status and init.');
    for (const state of states) {
      if (state.applied.length > 0 && state.pending.length > 0) {
        problems.push(`${state.source.name} has pending migrations: apply them with init first, so the schema can be compared with what every file builds.`);
      }
    }
    if (problems.length > 0) throw new MigrationRefusedError(problems);

    const [scratchState] = await readStates(scratch, sources.slice(0, 1));
    if (scratchState && scratchState.applied.length > 0) throw new MigrationRefusedError(['the scratch database is not empty.']);
    await applyMigrations(scratch, sources, options);
    const expected = await dumpCatalog(scratch);
    const live = await dumpCatalog(client);

    const ours = new Set(expected.filter((line) => line.startsWith('relation: ')).map(relationOf));
    const liveLines = new Set(live);
    const expectedLines = new Set(expected);
    const differences = [
      ...catalogDifference(expected, live).filter((line) => line.startsWith('- ') && !liveLines.has(line.slice(2))),
      ...live.filter((line) => !expectedLines.has(line) && ours.has(relationOf(line))).map((line) => `+ ${line}`),
    ];
    const migrations = untracked.flatMap((source) => readMigrations(source).map((file) => ({ source, file })));
    const names = migrations.map(({ source, file }) => `${source.name}/${file.tag}`);
    if (differences.length > 0) return { adopted: false, migrations: names, differences };

    await ensureBookkeeping(client, untracked);
    await client.transaction(async (tx) => {
      for (const { source, file } of migrations) {
        await tx.query(`INSERT INTO ${journalTable(source)} ("hash", "created_at") VALUES ($1, $2)`, [file.hash, file.when]);
      }
    });
    return { adopted: true, migrations: names, differences: [] };
  } finally {
    await release();
  }
}
