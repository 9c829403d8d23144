/**
 * `rag-chat-db lint`: every migration file, up and down, through squawk
 * (a linter for Postgres migrations, npm `squawk-cli`), plus our own rules:
 * each up file has a down file, and no down file is still a draft.
 *
 * Ordinary files are linted as running inside a transaction (the runner
 * wraps each one); no-transaction files without. The allow-list below names
 * every squawk rule we silence, where, and why.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { MigrationRefusedError } from './errors.ts';
import { type MigrationSource, moduleSource, readMigrations } from './files.ts';
import { moduleNames } from './modules.ts';

const run = promisify(execFile);

/** Rules silenced for every file. */
export const allowedEverywhere: Record<string, string> = {
  'require-lock-timeout': 'the runner sets lock_timeout for every file (--lock-timeout, 5 s by default)',
  'require-statement-timeout': 'index builds may rightly run long; lock_timeout is what keeps readers from queuing behind a migration',
};

/** Rules silenced for down files only. */
export const allowedInDownFiles: Record<string, string> = {
  'ban-drop-table': 'a down file drops the tables its migration created',
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
    'ban-drop-column': 'the down file drops the column its migration added',
    'require-concurrent-index-creation': 'dropping the column locks messages for the whole file anyway',
    'require-concurrent-index-deletion': 'as above',
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
  line: number;
  rule_name: string;
  message: string;
}

export async function lintMigrations(
  root = process.cwd(),
  sources: readonly MigrationSource[] = moduleNames.map((name) => moduleSource(name, root)),
): Promise<LintFinding[]> {
  const squawk = squawkBin();
  const findings: LintFinding[] = [];
  for (const source of sources) {
    const name = source.name;
    for (const migration of readMigrations(source)) {
      if (!migration.down) {
        findings.push({ file: relative(root, migration.downPath), line: 0, rule: 'rag-chat-db/down-file', message: 'missing: every migration needs a down file' });
      } else if (migration.down.draft) {
        findings.push({
          file: relative(root, migration.down.path),
          line: 1,
          rule: 'rag-chat-db/draft',
          message: 'still a draft: review it, then delete the "-- rag-chat-db: draft" line',
        });
      }
      for (const [file, isDown] of [[migration.up, false], [migration.down, true]] as const) {
        if (!file) continue;
        const key = `${name}/${file.path.split(/[\\/]/).pop()}`;
        const allowed = { ...allowedEverywhere, ...(isDown ? allowedInDownFiles : {}), ...allowedInFile[key] };
        for (const result of await runSquawk(squawk, file.path, !file.noTransaction)) {
          if (result.rule_name in allowed) continue;
          findings.push({ file: relative(root, result.file), line: result.line + 1, rule: result.rule_name, message: result.message });
        }
      }
    }
  }
  return findings;
}

function squawkBin(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('squawk-cli/package.json')), 'js', 'bin', 'squawk');
  } catch {
    throw new MigrationRefusedError(['lint runs squawk, which is not installed here: npm install -D squawk-cli']);
  }
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
