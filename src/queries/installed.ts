/** Which of our modules a database has: read from the migration journals the runner (and drizzle-kit) keep. */
import { sql } from 'drizzle-orm';
import { type BuiltinModuleName, builtinModuleNames, migrationsSchema, modules } from '../migrate/modules.ts';
import { type Executor, queryRows, readOnly } from './executor.ts';

/**
 * Which of our modules are installed here, read from their migration
 * journals (what the runner and drizzle-kit record), never from table names:
 * an application may have a `users` table of its own beside our chat module,
 * and a database may hold our auth module alone. The catalog query works for
 * any role; the journals are read only where they exist: one round trip, two
 * when any journal exists.
 */
export async function installedModules(db: Executor): Promise<ReadonlySet<BuiltinModuleName>> {
  const journals = builtinModuleNames.map((name) => modules[name].migrationsTable);
  const present = await queryRows<{ relname: string }>(
    db,
    sql`SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${migrationsSchema} AND c.relname IN (SELECT jsonb_array_elements_text(${JSON.stringify(journals)}::jsonb))`,
    'user',
    readOnly,
  );
  const found = builtinModuleNames.filter((name) => present.some((row) => row.relname === modules[name].migrationsTable));
  if (found.length === 0) return new Set();
  const [applied] = await queryRows<Record<string, boolean>>(
    db,
    sql`SELECT ${sql.join(
      found.map((name) => sql`EXISTS (SELECT 1 FROM ${sql.identifier(migrationsSchema)}.${sql.identifier(modules[name].migrationsTable)}) AS ${sql.identifier(name)}`),
      sql`, `,
    )}`,
    'user',
    readOnly,
  );
  return new Set(found.filter((name) => applied![name]));
}
