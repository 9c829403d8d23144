/** Which of our modules a database has: read from the migration journals the runner (and drizzle-kit) keep. */
import { sql } from 'drizzle-orm';
import { migrationsSchema, modules } from '../migrate/modules.ts';
import { type Executor, queryRows, readOnly } from './executor.ts';

/**
 * Whether our auth module is installed here, read from its migration
 * journal (what the runner and drizzle-kit record), never from a table name:
 * an application may have a `users` table of its own beside our chat module.
 * The catalog query works for any role; the journal is read only when it exists.
 */
export async function hasAuthModule(db: Executor): Promise<boolean> {
  const journal = modules.auth.migrationsTable;
  const [table] = await queryRows<{ present: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = ${migrationsSchema} AND c.relname = ${journal}) AS present`,
    'user',
    readOnly,
  );
  if (!table!.present) return false;
  const [applied] = await queryRows<{ applied: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM ${sql.identifier(migrationsSchema)}.${sql.identifier(journal)}) AS applied`,
    'user',
    readOnly,
  );
  return applied!.applied;
}

