/**
 * Which built-in modules a database has: what `status` reports. A module is
 * installed when the database records anything of it (an applied migration,
 * a row whose file is gone, a failed no-transaction file). Reported are the
 * modules of the smallest scope holding every installed one (`chat` alone
 * is not shown auth, link and rls as pending); when no one scope holds them
 * all, the scopes that hold any; with nothing installed, what `init` would
 * install (scope `all`).
 */
import { type ModuleName, moduleNames, type Scope, scopes } from './modules.ts';
import type { ModuleState } from './state.ts';

export function isInstalled(state: ModuleState): boolean {
  return state.applied.length > 0 || state.orphanRows.length > 0 || state.incomplete.length > 0;
}

export function installedScopeModules(states: readonly ModuleState[]): ModuleName[] {
  const installed = new Set(states.filter(isInstalled).map((state) => state.source.name));
  if (installed.size === 0) return [...scopes.all];
  const all = Object.keys(scopes) as Scope[];
  const bySize = [...all].sort((a, b) => scopes[a].length - scopes[b].length);
  const holding = bySize.find((scope) => [...installed].every((name) => (scopes[scope] as readonly string[]).includes(name)));
  const chosen = holding ? [holding] : all.filter((scope) => scopes[scope].some((name) => installed.has(name)));
  const shown = new Set<string>(chosen.flatMap((scope) => scopes[scope]));
  return moduleNames.filter((name) => shown.has(name));
}
