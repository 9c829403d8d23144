/**
 * A text dump of everything a migration can change outside drizzle's own
 * bookkeeping schema: schemas, extensions, types, tables and their columns,
 * defaults, generated expressions, constraints, indexes, triggers, functions,
 * views, sequences, comments, row-level security and policies. Two dumps are
 * equal when the schema is the same. `verify` and the tests compare them.
 */

/** The lines of `after` missing from `before` (+) and the other way round (-), for a readable difference. */
export function catalogDifference(before: readonly string[], after: readonly string[]): string[] {
  const old = new Set(before);
  const now = new Set(after);
  return [...before.filter((line) => !now.has(line)).map((line) => `- ${line}`), ...after.filter((line) => !old.has(line)).map((line) => `+ ${line}`)];
}
import type { Queryable } from './client.ts';

const userNamespaces = `
  SELECT oid FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'drizzle')
    AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`;

const queries: Record<string, string> = {
  // Privileges as they take effect: a NULL ACL means the owner's defaults (GRANT then REVOKE writes them out).
  schema: `SELECT nspname || ' acl=' || coalesce(nspacl, acldefault('n'::"char", nspowner))::text FROM pg_namespace WHERE oid IN (${userNamespaces})`,
  extension: `SELECT extname || ' ' || extversion FROM pg_extension`,
  type: `
    SELECT t.typnamespace::regnamespace || '.' || t.typname || ' ' || t.typtype::text ||
           coalesce(' ' || (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), '')
    FROM pg_type t
    WHERE t.typnamespace IN (${userNamespaces}) AND t.typtype IN ('e', 'd', 'c')
      AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')`,
  relation: `
    SELECT c.oid::regclass || ' ' || c.relkind::text || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity ||
           ' acl=' || coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))::text ||
           coalesce(' comment=' || obj_description(c.oid, 'pg_class'), '')
    FROM pg_class c WHERE c.relnamespace IN (${userNamespaces}) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`,
  column: `
    SELECT a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
           CASE WHEN a.attnotnull THEN ' not null' ELSE '' END ||
           CASE a.attgenerated WHEN 's' THEN ' generated ' ELSE ' default ' END || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') ||
           CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END ||
           coalesce(' collate ' || nullif(a.attcollation, 0)::regcollation::text, '') ||
           coalesce(' comment=' || col_description(a.attrelid, a.attnum), '') ||
           -- The position among live columns: a column dropped and added again (a down file, then its migration)
           -- takes a new attnum, yet the table reads the same.
           ' #' || (SELECT count(*) FROM pg_attribute l WHERE l.attrelid = a.attrelid AND l.attnum BETWEEN 1 AND a.attnum AND NOT l.attisdropped)
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace IN (${userNamespaces}) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND a.attnum > 0 AND NOT a.attisdropped`,
  constraint: `
    SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) ||
           CASE WHEN convalidated THEN '' ELSE ' not validated' END
    FROM pg_constraint WHERE connamespace IN (${userNamespaces})`,
  index: `
    SELECT pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END ||
           coalesce(' comment=' || obj_description(i.indexrelid, 'pg_class'), '')
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relnamespace IN (${userNamespaces})`,
  trigger: `
    SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relnamespace IN (${userNamespaces})`,
  function: `
    SELECT p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid))
    FROM pg_proc p WHERE p.pronamespace IN (${userNamespaces}) AND p.prokind IN ('f', 'p')`,
  view: `
    SELECT c.oid::regclass || ' ' || md5(pg_get_viewdef(c.oid))
    FROM pg_class c WHERE c.relnamespace IN (${userNamespaces}) AND c.relkind IN ('v', 'm')`,
  policy: `
    SELECT polrelid::regclass || ' ' || polname || ' ' || polcmd::text || ' ' || polpermissive || ' ' ||
           polroles::text || ' ' || coalesce(pg_get_expr(polqual, polrelid), '-') || ' ' || coalesce(pg_get_expr(polwithcheck, polrelid), '-')
    FROM pg_policy`,
};

export async function dumpCatalog(q: Queryable): Promise<string[]> {
  const lines: string[] = [];
  for (const [kind, query] of Object.entries(queries)) {
    const rows = await q.query<{ line: string }>(`SELECT line FROM (${query}) AS dump(line) ORDER BY 1`);
    for (const row of rows) lines.push(`${kind}: ${row.line}`);
  }
  return lines;
}
