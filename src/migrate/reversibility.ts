/**
 * No migration without a way back: a file is applied only when it has a
 * reviewed down file, or declares in its opening comments that it has none
 * on purpose, and why (`-- rag-chat-db: irreversible <reason>`). Checked for
 * every file of a run before the first one is applied, and by `lint`.
 */
import { NoWayBackError } from './errors.ts';
import { draftMarker, irreversibleMarker, type MigrationFile } from './files.ts';
import { type ModuleState, problemsOf } from './state.ts';

/** Why `file` may not be applied, or undefined when it may. */
export function wayBackProblem(file: MigrationFile): string | undefined {
  const id = `${file.module}/${file.tag}`;
  const declare = `or, if it cannot be undone, declare it in the up file's opening comments: "${irreversibleMarker} <why>".`;
  if (file.down && !file.down.draft) return undefined;
  if (file.up.irreversible === '') {
    return `${id}.sql declares itself irreversible without saying why: write the reason after "${irreversibleMarker}".`;
  }
  if (file.up.irreversible !== undefined) return undefined;
  if (!file.down) return `${id} has no down file: write ${file.downPath} to reverse it, ${declare}`;
  return `${file.down.path} is still a draft: review it, then delete its "${draftMarker}" line; ${declare}`;
}

/** An irreversible declaration beside a down file: one of the two is wrong (lint reports it; the runner uses the down file). */
export function contradictsDownFile(file: MigrationFile): boolean {
  return file.up.irreversible !== undefined && file.down !== undefined;
}

/** Throws NoWayBackError, naming every file without a way back, before any of `files` is applied. */
export function assertWayBack(files: readonly MigrationFile[]): void {
  const refused = files.flatMap((file) => {
    const problem = wayBackProblem(file);
    return problem ? [{ id: `${file.module}/${file.tag}`, problem }] : [];
  });
  if (refused.length > 0) throw new NoWayBackError(refused.map((entry) => entry.id), refused.map((entry) => entry.problem));
}

/** What `status` reports as blocking a run: the state's problems, then the pending files without a way back. */
export function statusProblems(state: ModuleState): string[] {
  return [...problemsOf(state), ...state.pending.flatMap((file) => wayBackProblem(file) ?? [])];
}

/** The files of a module declared irreversible, with their reasons, for `status`. */
export function irreversibleFiles(state: ModuleState): { tag: string; reason: string; applied: boolean }[] {
  const applied = new Set(state.applied.map((entry) => entry.file));
  return state.files
    .filter((file) => file.up.irreversible !== undefined && !file.down)
    .map((file) => ({ tag: file.tag, reason: file.up.irreversible!, applied: applied.has(file) }));
}
