/**
 * `rag-chat-db lint`: every migration file, up and down, through squawk
 * (a linter for Postgres migrations, npm `squawk-cli`), plus our own rules:
 * each up file has a down file (or declares itself irreversible, with a
 * reason), and no down file is still a draft.
 *
 * Ordinary files are linted as running inside a transaction (the runner
 * wraps each one); no-transaction files without. A down file may drop what
 * its own up file added (tables, columns, indexes, constraints, types, NOT
 * NULLs): those findings are not reported. Anything else is silenced only
 * by the allow-lists below (our shipped files) or, in any file, by a comment
 * that names the rules and says why:
 *
 *   -- rag-chat-db-lint-ignore ban-drop-column: the column was never read (see #42)
 *
 * An ignore without a reason, or one that silences nothing, is a finding.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { MigrationRefusedError } from './errors.ts';
import { type MigrationFile, type MigrationSource, moduleSource, readMigrations, type SqlFile } from './files.ts';
import { moduleNames } from './modules.ts';
import { contradictsDownFile, wayBackProblem } from './reversibility.ts';
import { fileAdds, type ObjectKind, objectsDropped, type SqlObject, type SqlStatement, sqlStatements, undoesAddition } from './sql-objects.ts';

const run = promisify(execFile);

/** Rules silenced for every file. */
export const allowedEverywhere: Record<string, string> = {
  'require-lock-timeout': 'the runner sets lock_timeout for every file (--lock-timeout, 5 s by default)',
  'require-statement-timeout': 'index builds may rightly run long; lock_timeout is what keeps readers from queuing behind a migration',
};

/** Rules silenced for one file: `<module>/<file name>`. */
export const allowedInFile: Record<string, Record<string, string>> = {
  'chat/0000_init.sql': {
    'prefer-bigint-over-int': 'citation_index numbers the few sources of one answer ([1], [2], ...)',
  },
  'chat/0001_message_write_order.sql': {
    'adding-not-nullable-field':
      'the backfill must be atomic with the identity, and the first statement already holds ACCESS EXCLUSIVE on messages for the whole file, so a scan-free NOT NULL would shorten no lock',
    'require-concurrent-index-creation': 'as above: CONCURRENTLY cannot run in the transaction, and the table is locked by it anyway',
    'require-concurrent-index-deletion': 'as above',
  },
  'chat/0001_message_write_order.down.sql': {
    'require-concurrent-index-creation': 'dropping the column locks messages for the whole file anyway',
  },
  'link/0001_deleted_messages_foreign_key.sql': {
    'adding-foreign-key-constraint':
      'deleted_messages is new (chat/0002) or holds only records of deleted messages, already without orphans; the scan is of that table alone',
    'constraint-missing-not-valid': 'as for link/0000: NOT VALID then VALIDATE would hold the same locks inside the one transaction the file runs in',
  },
  'link/0000_users_foreign_keys.sql': {
    'adding-foreign-key-constraint':
      'on `init --scope all` the tables are new and empty; going from chat to all, the scan covers chat_sessions and message_feedback (never messages), after the orphan check',
    'constraint-missing-not-valid': 'as above: NOT VALID then VALIDATE would hold the same locks inside the one transaction the file runs in',
  },
};

export interface LintFinding {
  file: string;
  line: number;
  rule: string;
  message: string;
}

interface SquawkResult {
  file: string;
  /** 0-based, as are the columns. */
  line: number;
  column?: number;
  line_end?: number;
  column_end?: number;
  rule_name: string;
  message: string;
}

export async function lintMigrations(
  root = process.cwd(),
  sources: readonly MigrationSource[] = moduleNames.map((name) => moduleSource(name, root)),
): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  for (const source of sources) findings.push(...(await lintSource(source, root)));
  return findings;
}

/** Lints one module's migrations (a built-in module, or any drizzle-kit folder); file names relative to `root`. */
export async function lintSource(source: MigrationSource, root = process.cwd()): Promise<LintFinding[]> {
  const squawk = squawkBin(root);
  const findings: LintFinding[] = [];
  for (const migration of readMigrations(source)) {
    findings.push(...wayBackFindings(migration, root));
    const upText = readFileSync(migration.up.path, 'utf8');
    findings.push(...(await lintSqlFile(squawk, source, migration.up, upText, undefined, root)));
    if (migration.down) {
      const downText = readFileSync(migration.down.path, 'utf8');
      findings.push(...(await lintSqlFile(squawk, source, migration.down, downText, fileAdds(upText), root)));
    }
  }
  return findings;
}

/** Our own rules: a reviewed down file, or an irreversible declaration with a reason; not both. */
function wayBackFindings(migration: MigrationFile, root: string): LintFinding[] {
  const up = relative(root, migration.up.path);
  const down = relative(root, migration.downPath);
  const findings: LintFinding[] = [];
  const problem = wayBackProblem(migration);
  if (problem && migration.up.irreversible === '') findings.push({ file: up, line: 1, rule: 'rag-chat-db/irreversible', message: problem });
  else if (problem && !migration.down) findings.push({ file: down, line: 0, rule: 'rag-chat-db/down-file', message: problem });
  else if (problem) findings.push({ file: down, line: 1, rule: 'rag-chat-db/draft', message: problem });
  if (contradictsDownFile(migration)) {
    findings.push({
      file: up,
      line: 1,
      rule: 'rag-chat-db/irreversible',
      message: `declares itself irreversible, yet ${down} exists (and rollback would run it): delete one of the two`,
    });
  }
  return findings;
}

/**
 * squawk's findings on one file, less the rules allowed for it, and, for a
 * down file (`addedByUp` given), the drops of what its up file added; then
 * the file's own ignore comments, each needing a reason and a use.
 */
async function lintSqlFile(
  squawk: string,
  source: MigrationSource,
  file: SqlFile,
  text: string,
  addedByUp: SqlObject[] | undefined,
  root: string,
): Promise<LintFinding[]> {
  const where = relative(root, file.path);
  const allowed = { ...allowedEverywhere, ...allowedInFile[`${source.name}/${basename(file.path)}`] };
  const ignores = lintIgnores(text);
  const used = new Set<LintIgnore>();
  const statements = sqlStatements(text);
  const findings: LintFinding[] = ignores
    .filter((ignore) => !ignore.reason)
    .map((ignore) => ({
      file: where,
      line: ignore.line,
      rule: 'rag-chat-db/ignore-reason',
      message: `say why: "${ignoreMarker} ${ignore.rules.join(', ') || '<rule>'}: <reason>"`,
    }));
  for (const result of await runSquawk(squawk, file.path, !file.noTransaction)) {
    if (result.rule_name in allowed) continue;
    if (addedByUp && undoesUpFile(result, text, statements, addedByUp)) continue;
    const ignore = ignores.find((candidate) => candidate.reason && candidate.rules.includes(result.rule_name));
    if (ignore) used.add(ignore);
    else findings.push({ file: where, line: result.line + 1, rule: result.rule_name, message: result.message });
  }
  for (const ignore of ignores) {
    if (ignore.reason && !used.has(ignore)) {
      findings.push({
        file: where,
        line: ignore.line,
        rule: 'rag-chat-db/unused-ignore',
        message: `${ignore.rules.join(', ')}: nothing in this file to silence; delete the comment`,
      });
    }
  }
  return findings;
}

/** The comment that silences squawk rules for the file holding it, with a reason. */
export const ignoreMarker = '-- rag-chat-db-lint-ignore';

export interface LintIgnore {
  /** 1-based line of the comment. */
  line: number;
  rules: string[];
  /** '' when the comment gives none. */
  reason: string;
}

/** `-- rag-chat-db-lint-ignore rule-a, rule-b: reason` comments, anywhere in the file. */
export function lintIgnores(text: string): LintIgnore[] {
  return text.split(/\r?\n/).flatMap((raw, index) => {
    const line = raw.trim();
    if (!line.startsWith(ignoreMarker)) return [];
    const rest = line.slice(ignoreMarker.length);
    const colon = rest.indexOf(':');
    const rulePart = colon === -1 ? rest : rest.slice(0, colon);
    return [
      {
        line: index + 1,
        rules: rulePart.split(/[\s,]+/).filter(Boolean),
        reason: colon === -1 ? '' : rest.slice(colon + 1).trim(),
      },
    ];
  });
}

/** Squawk rules about a drop, and what kind of object each is about. */
const dropRules: Record<string, readonly ObjectKind[]> = {
  'ban-drop-table': ['table'],
  'ban-drop-column': ['column'],
  'ban-drop-not-null': ['not-null'],
  'require-concurrent-index-deletion': ['index'],
};

/** A finding in a down file about dropping only what its up file added. */
function undoesUpFile(result: SquawkResult, text: string, statements: SqlStatement[], added: SqlObject[]): boolean {
  const kinds = dropRules[result.rule_name];
  if (!kinds) return false;
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offset = (line: number, column: number) => (lineStarts[line] ?? text.length) + column;
  const from = offset(result.line, result.column ?? 0);
  const statement = statements.find((candidate) => candidate.start <= from && from < candidate.end);
  if (!statement) return false;
  const part = result.line_end === undefined ? undefined : text.slice(from, offset(result.line_end, result.column_end ?? 0));
  const dropped = objectsDropped(statement.code, part).filter((object) => kinds.includes(object.kind));
  return dropped.length > 0 && dropped.every((object) => undoesAddition(object, added));
}

/** squawk, from the project first (where `npm install -D squawk-cli` puts it, under any package manager), then beside us. */
function squawkBin(root: string): string {
  for (const from of [join(root, 'package.json'), import.meta.url]) {
    try {
      return join(dirname(createRequire(from).resolve('squawk-cli/package.json')), 'js', 'bin', 'squawk');
    } catch {
      // not there: the next place
    }
  }
  throw new MigrationRefusedError(['lint runs squawk, which is not installed here: npm install -D squawk-cli']);
}

async function runSquawk(bin: string, path: string, inTransaction: boolean): Promise<SquawkResult[]> {
  const args = [bin, '--reporter', 'json', '--pg-version', '15.0', ...(inTransaction ? ['--assume-in-transaction'] : []), path];
  // squawk exits 1 when it has findings; its JSON is on stdout either way.
  const { stdout } = await run(process.execPath, args).catch((error: { stdout?: string; stderr?: string }) => {
    if (error.stdout?.trim().startsWith('[')) return { stdout: error.stdout };
    throw new MigrationRefusedError([`squawk failed on ${path}: ${error.stderr ?? String(error)}`]);
  });
  return stdout.trim() ? (JSON.parse(stdout) as SquawkResult[]) : [];
}
