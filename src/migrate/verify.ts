/**
 * The seed's "test on a branch first", automated: on a scratch database (a
 * Neon branch, a local copy), apply every pending migration one at a time,
 * roll all of them back one at a time, apply them again, and compare a dump
 * of the catalog after each step with the one taken at the same point
 * before. Any difference means a down file does not exactly reverse its
 * migration, or a migration does not apply cleanly after its own rollback.
 */
import { catalogDifference, dumpCatalog } from './catalog.ts';
import type { MigrationClient } from './client.ts';
import type { MigrationSource } from './files.ts';
import { applyMigrations, type RunOptions, readStates, rollbackMigrations } from './runner.ts';

export interface VerifyStep {
  label: string;
  /** Lines that differ from the expected catalog: `- gone`, `+ new`. Empty when it matched. */
  difference: string[];
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
  const steps: VerifyStep[] = [];
  const record = (label: string, difference: string[]) => {
    const step = { label, difference };
    steps.push(step);
    options.onStep?.(step);
  };

  const snapshots = [await dumpCatalog(client)];
  for (const { source, file } of pending) {
    await applyMigrations(client, [source], { ...options, maxSteps: 1 });
    const after = await dumpCatalog(client);
    record(`apply ${source.name}/${file.tag}`, after.join() === snapshots.at(-1)!.join() ? ['= the migration changed nothing'] : []);
    snapshots.push(after);
  }
  for (let i = pending.length - 1; i >= 0; i--) {
    const { source, file } = pending[i]!;
    await rollbackMigrations(client, source, { steps: 1 }, sources, options);
    record(`roll back ${source.name}/${file.tag}`, catalogDifference(snapshots[i]!, await dumpCatalog(client)));
  }
  for (let i = 0; i < pending.length; i++) {
    const { source, file } = pending[i]!;
    await applyMigrations(client, [source], { ...options, maxSteps: 1 });
    record(`apply ${source.name}/${file.tag} again`, catalogDifference(snapshots[i + 1]!, await dumpCatalog(client)));
  }
  return { ok: steps.every((step) => step.difference.length === 0), migrations: pending.length, steps };
}
