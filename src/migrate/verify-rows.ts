/**
 * `verify`'s data check: a down file must leave the rows its migration did
 * not add. Before a file's up and down run once more, each existing table
 * the file changes or writes to gets a probe row where one can be made
 * (every column given a plain value of its type; the constraints decide),
 * and its rows are counted. After up and down, the count must be the same
 * and each probe row still there (found by its primary key, or by its whole
 * text without one), unchanged unless the file changes data only (a
 * backfill may rightly leave its values behind). The probe rows are then
 * deleted, so the scratch database is as the schema checks expect it.
 */
import type { Queryable } from './client.ts';
import type { MigrationFile } from './files.ts';
import { tablesTouched } from './sql-objects.ts';

export interface TableRows {
  table: string;
  /** Quoted for SQL. */
  quoted: string;
  count: number;
  /** SQL for a row's identity: its primary key, or the whole row. */
  key: string;
  /** Each probe row as `row::text`, with its key. */
  probes: { row: string; key: string }[];
}

const quote = (name: string) =>
  name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');

/** The tables `file` changes or writes to that exist now (plain or partitioned tables). */
export async function existingTablesTouched(q: Queryable, file: MigrationFile): Promise<string[]> {
  const tables: string[] = [];
  for (const table of tablesTouched(file.up.statements.join(';\n'))) {
    const [row] = await q.query<{ kind: string | null }>(
      `SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)) AS kind`,
      [quote(table)],
    );
    if (row?.kind === 'r' || row?.kind === 'p') tables.push(table);
  }
  return tables;
}

/** A value of the column's type, as SQL, or undefined when we have none to offer. */
function plainValue(column: { type: string; category: string; typname: string }): string | undefined {
  if (column.typname === 'uuid') return 'gen_random_uuid()';
  switch (column.category) {
    case 'S':
      return `'verify'::${column.type}`;
    case 'N':
      return `1::${column.type}`;
    case 'B':
      return 'false';
    case 'D':
      return `now()::${column.type}`;
    case 'T':
      return `'1 hour'::${column.type}`;
    case 'A':
      return `'{}'::${column.type}`;
    case 'E':
      return `(enum_range(NULL::${column.type}))[1]`;
    case 'U':
      if (column.typname === 'jsonb' || column.typname === 'json') return `'{}'::${column.type}`;
      if (column.typname === 'tsvector') return `''::tsvector`;
      return undefined;
    default:
      return undefined;
  }
}

/** SQL that identifies a row of `quoted` (aliased `probe`): its primary key, or the whole row. */
async function rowKey(q: Queryable, quoted: string): Promise<string> {
  const key = await q.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [quoted],
  );
  return key.length > 0 ? `row(${key.map((column) => `probe.${quote(column.name)}`).join(', ')})::text` : 'probe::text';
}

/**
 * Inserts one probe row into `table` if it can: first with every writable
 * column given a value, then with only those that need one. Returns the row
 * and its key as text, or undefined when the table's constraints (a foreign
 * key, a check) refuse both.
 */
async function insertProbe(q: Queryable, quoted: string, key: string): Promise<{ row: string; key: string } | undefined> {
  const columns = await q.query<{ name: string; type: string; category: string; typname: string; required: boolean; writable: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory::text AS category, t.typname::text AS typname,
            (a.attnotnull AND NOT a.atthasdef) AS required,
            (a.attidentity = '' AND a.attgenerated = '' AND NOT a.atthasdef) AS writable
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [quoted],
  );
  const attempts = [columns.filter((column) => column.writable), columns.filter((column) => column.required)];
  for (const chosen of attempts) {
    const values = chosen.map((column) => [column.name, plainValue(column)] as const);
    if (values.some(([, value]) => value === undefined)) continue;
    const returning = `RETURNING probe::text AS row, ${key} AS key`;
    const sql =
      values.length === 0
        ? `INSERT INTO ${quoted} AS probe DEFAULT VALUES ${returning}`
        : `INSERT INTO ${quoted} AS probe (${values.map(([name]) => quote(name)).join(', ')}) VALUES (${values.map(([, value]) => value).join(', ')}) ${returning}`;
    try {
      const [row] = await q.query<{ row: string; key: string }>(sql);
      if (row) return row;
    } catch {
      // A constraint refused these values: try fewer, or give up on this table.
    }
  }
  return undefined;
}

/** Probe rows in each table where possible, and the count of rows of each. */
export async function prepareRows(q: Queryable, tables: readonly string[]): Promise<TableRows[]> {
  const prepared: TableRows[] = [];
  for (const table of tables) {
    const quoted = quote(table);
    const key = await rowKey(q, quoted);
    const probe = await insertProbe(q, quoted, key);
    prepared.push({ table, quoted, key, count: await countRows(q, quoted), probes: probe ? [probe] : [] });
  }
  return prepared;
}

/** The number of rows in each table, to compare after the file's up and down: `- ...` lines from `fewerRows`. */
export async function countTables(q: Queryable, tables: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of tables) counts.set(table, await countRows(q, quote(table)));
  return counts;
}

/** Tables holding fewer rows than `before` counted. */
export async function fewerRows(q: Queryable, before: ReadonlyMap<string, number>): Promise<string[]> {
  const difference: string[] = [];
  for (const [table, count] of before) {
    const now = await countRows(q, quote(table));
    if (now < count) difference.push(`- ${table}: ${count} row(s) before up, ${now} after up and down`);
  }
  return difference;
}

async function countRows(q: Queryable, quoted: string): Promise<number> {
  const [row] = await q.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${quoted}`);
  return Number(row!.n);
}

/**
 * What up and down did to the rows since `prepareRows`: `- ...` lines for
 * rows gone (and rows changed, unless the file changes data only), notes
 * for rows a data-only file changed.
 */
export async function rowsDifference(
  q: Queryable,
  before: readonly TableRows[],
  dataOnly: boolean,
): Promise<{ difference: string[]; notes: string[] }> {
  const difference: string[] = [];
  const notes: string[] = [];
  for (const { table, quoted, key, count, probes } of before) {
    const now = await countRows(q, quoted);
    if (now < count) difference.push(`- ${table}: ${count} row(s) before up, ${now} after up and down`);
    for (const probe of probes) {
      const rows = await q.query<{ row: string }>(`SELECT probe::text AS row FROM ${quoted} AS probe WHERE ${key} = $1`, [probe.key]);
      if (rows.length === 0) difference.push(`- ${table}: the row ${probe.row} is gone after up and down`);
      else if (rows[0]!.row !== probe.row) {
        const line = `${table}: the row ${probe.row} reads ${rows[0]!.row} after up and down`;
        if (dataOnly) notes.push(line);
        else difference.push(`- ${line}`);
      }
    }
  }
  return { difference, notes };
}

/**
 * Deletes each probe row that is still there: one row with its key, so that
 * in a table without a primary key, of several rows equal to the probe, the
 * others stay.
 */
export async function deleteProbes(q: Queryable, rows: readonly TableRows[]): Promise<void> {
  for (const { quoted, key, probes } of rows) {
    for (const probe of probes) {
      await q.query(
        `DELETE FROM ${quoted} WHERE (tableoid, ctid) = (SELECT tableoid, ctid FROM ${quoted} AS probe WHERE ${key} = $1 LIMIT 1)`,
        [probe.key],
      );
    }
  }
}
