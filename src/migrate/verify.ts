/**
 * Testing migrations on a branch first, automated: on a scratch database (a
 * Neon branch, a local copy), apply every pending migration one at a time,
 * roll all of them back one at a time, apply them again, and compare a dump
 * of the catalog after each step with the one taken at the same point
 * before. Any difference means a down file does not exactly reverse its
 * migration, or a migration does not apply cleanly after its own rollback.
 *
 * A file that changes data only (a backfill between "add column" and "set
 * not null") leaves the catalog as it was: that is noted, not a difference.
 * After each down file, its migration runs up and down once more with rows
 * in the tables it touches (verify-rows.ts): rows it did not add must
 * survive. A file declared irreversible is not rolled back, nor what comes
 * before it.
 */
import { catalogDifference, dumpCatalog } from './catalog.ts';
import type { MigrationClient } from './client.ts';
import { MigrationFailedError } from './errors.ts';
import type { MigrationFile, MigrationSource } from './files.ts';
import { assertWayBack } from './reversibility.ts';
import { applyMigrations, type RunOptions, readStates, rollbackMigrations } from './runner.ts';
import { countTables, deleteProbes, existingTablesTouched, fewerRows, prepareRows, rowsDifference } from './verify-rows.ts';

export interface VerifyStep {
  label: string;
  /** Lines that differ from the expected catalog or rows: `- gone`, `+ new`. Empty when it matched. */
  difference: string[];
  /** What the step could not check, or found worth saying without failing. */
  notes?: string[];
}

export interface VerifyReport {
  ok: boolean;
  migrations: number;
  steps: VerifyStep[];
}

export async function verifyMigrations(
  client: MigrationClient,
  sources: readonly MigrationSource[],
  options: RunOptions & { onStep?: (step: VerifyStep) => void } = {},
): Promise<VerifyReport> {
  const states = await readStates(client, sources);
  const pending = states.flatMap((state) => state.pending.map((file) => ({ source: state.source, file })));
  assertWayBack(pending.map(({ file }) => file)); // before the first file, not when reaching the one without
  const steps: VerifyStep[] = [];
  const record = (label: string, difference: string[], notes: string[] = []) => {
    const step: VerifyStep = notes.length > 0 ? { label, difference, notes } : { label, difference };
    steps.push(step);
    options.onStep?.(step);
  };
  const report = () => ({ ok: steps.every((step) => step.difference.length === 0), migrations: pending.length, steps });

  const snapshots = [await dumpCatalog(client)];
  const dataOnly = new Set<MigrationFile>();
  // Rows already there (on a branch of a real database) in the tables each file touches, counted before it.
  const counts: Map<string, number>[] = [];
  for (const { source, file } of pending) {
    counts.push(await countTables(client, await existingTablesTouched(client, file)));
    await applyMigrations(client, [source], { ...options, maxSteps: 1 });
    const after = await dumpCatalog(client);
    const unchanged = after.join() === snapshots.at(-1)!.join();
    if (unchanged) dataOnly.add(file);
    record(`apply ${source.name}/${file.tag}`, [], unchanged ? ['data only: the schema is unchanged'] : []);
    snapshots.push(after);
  }

  // Newest first, down to the newest file declared irreversible (the runner applied it, so it has no down file to run).
  const kept = pending.findLastIndex(({ file }) => !file.down || file.down.draft);
  if (kept !== -1) {
    const { source, file } = pending[kept]!;
    record(`keep ${source.name}/${file.tag}`, [], [`irreversible (${file.up.irreversible}): it and the files before it are not rolled back`]);
  }
  for (let i = pending.length - 1; i > kept; i--) {
    const { source, file } = pending[i]!;
    await rollbackMigrations(client, source, { steps: 1 }, sources, options);
    const schema = catalogDifference(snapshots[i]!, await dumpCatalog(client));
    record(`roll back ${source.name}/${file.tag}`, [...schema, ...(await fewerRows(client, counts[i]!))]);
    const rows = await checkRows(client, sources, source, file, dataOnly.has(file), options);
    if (rows) record(`rows through ${source.name}/${file.tag} up and down`, rows.difference, rows.notes);
    if (rows?.stop) return report();
  }
  for (let i = kept + 1; i < pending.length; i++) {
    const { source, file } = pending[i]!;
    await applyMigrations(client, [source], { ...options, maxSteps: 1 });
    record(`apply ${source.name}/${file.tag} again`, catalogDifference(snapshots[i + 1]!, await dumpCatalog(client)));
  }
  return report();
}

/**
 * With `file` just rolled back: rows in the tables it touches (a probe row
 * each, where the table's constraints allow one), its up and down once
 * more, and what became of the rows. Leaves the file rolled back and the
 * probe rows deleted; `stop` when the down file failed (the file stays
 * applied, so the steps after this one would be wrong). Undefined when the
 * file touches no table that exists before it (it creates its own).
 */
async function checkRows(
  client: MigrationClient,
  sources: readonly MigrationSource[],
  source: MigrationSource,
  file: MigrationFile,
  dataOnly: boolean,
  options: RunOptions,
): Promise<{ difference: string[]; notes: string[]; stop?: boolean } | undefined> {
  if (file.up.noTransaction || file.down?.noTransaction) {
    return { difference: [], notes: ['rows not checked: a no-transaction file'] };
  }
  const tables = await existingTablesTouched(client, file);
  if (tables.length === 0) return undefined;
  const before = await prepareRows(client, tables);
  try {
    if (before.every((table) => table.count === 0)) {
      return { difference: [], notes: [`rows not checked: no row could be put in ${tables.join(', ')} (their constraints refused a probe row)`] };
    }
    const quiet = { ...options, onProgress: undefined };
    try {
      await applyMigrations(client, [source], { ...quiet, maxSteps: 1 });
    } catch (error) {
      if (!(error instanceof MigrationFailedError)) throw error;
      return { difference: [], notes: [`rows not checked: with rows in ${tables.join(', ')}, up fails: ${error.message}`] };
    }
    try {
      await rollbackMigrations(client, source, { steps: 1 }, sources, quiet);
    } catch (error) {
      if (!(error instanceof MigrationFailedError)) throw error;
      return { difference: [`- with rows in ${tables.join(', ')}, the down file fails: ${error.message}`], notes: [], stop: true };
    }
    return await rowsDifference(client, before, dataOnly);
  } finally {
    await deleteProbes(client, before);
  }
}
