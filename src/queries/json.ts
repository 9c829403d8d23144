/**
 * SQL for the shapes the helpers return, built from the drizzle tables
 * (rows.ts says which columns a table returns): a row's columns, or its
 * JSON, so a helper returns nested results (messages with their citations
 * and feedback) in one round trip. rows.ts decodes both (decodeRow,
 * decodeJson) with the same columns' decoders, so a new column appears in every one.
 */
import { getTableColumns, SQL, type SQLChunk, sql, StringChunk } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { NotFoundError, ValidationError } from '../errors.ts';
import { messageCitations } from '../schema/chat.ts';
import { defaultLimits as limits } from '../validators/common.ts';
import { raced } from './optimistic.ts';
import { decodeRow, returnedColumns } from './rows.ts';

/** SQL made once per table, alias and kind: the fragments are constants, and building them on every call cost addMessage 10 µs. */
const made = new WeakMap<PgTable, Map<string, SQL>>();
function once(table: PgTable, key: string, make: () => SQL): SQL {
  let forTable = made.get(table);
  if (!forTable) made.set(table, (forTable = new Map()));
  let fragment = forTable.get(key);
  if (!fragment) forTable.set(key, (fragment = make()));
  return fragment;
}

/** `a."id", a."session_id", ...`: the table's returned columns under their own names. `alias` is always one of our constants, never input. */
export function rowColumns(table: PgTable, alias: string): SQL {
  return once(table, `columns ${alias}`, () => sql.raw(returnedColumns(table).map(({ name }) => `${alias}."${name}"`).join(', ')));
}

/**
 * `json_build_object('sessionId', a."session_id", ...)` over the table's returned columns, keyed by property names (timestamps
 * become ISO 8601 text; decodeJson reads it), leaving out the keys in `except` (a child's reference to the parent row it is
 * nested in, which the decoder fills from the parent).
 */
export function rowJson(table: PgTable, alias: string, except: readonly string[] = []): SQL {
  return once(table, `json ${alias} ${except.join(',')}`, () =>
    sql`json_build_object(${sql.raw(
      returnedColumns(table)
        .filter(({ key }) => !except.includes(key))
        .map(({ key, name }) => `'${key}', ${alias}."${name}"`)
        .join(', '),
    )})`,
  );
}

/**
 * A citation as JSON nested in its message: without `messageId`, which rows.ts's decodeCitations fills from the
 * message's id (300 citations of a 200-message conversation: 11 kB less JSON to build and parse, and one string shared).
 */
export const citationJson = (alias: string): SQL => rowJson(messageCitations, alias, ['messageId']);

/**
 * Rows written from one JSON parameter (`jsonb_to_recordset`, so any number
 * of rows is a handful of bind parameters): the columns of `table` whose
 * keys are in `keys` (an input schema's keys), so a column added to the
 * table and to the input is written with no other edit. Every name comes
 * from the drizzle table, never from input.
 */
export function recordsetOf(table: PgTable, keys: readonly string[]) {
  const columns = Object.entries(getTableColumns(table))
    .filter(([key]) => keys.includes(key))
    .map(([key, column]) => ({ key, name: column.name, type: column.getSQLType(), column, cast: new StringChunk(`::${column.getSQLType()}`) }));
  const comma = new StringChunk(', ');
  const definition = sql.raw(columns.map(({ name, type }) => `"${name}" ${type}`).join(', '));
  const lists = new Map<string, SQL>();
  const list = (alias: string | undefined, except: readonly string[]) => {
    const key = `${alias ?? ''} ${except.join(',')}`;
    let fragment = lists.get(key);
    if (!fragment) {
      fragment = sql.raw(columns.filter(({ key }) => !except.includes(key)).map(({ name }) => (alias ? `${alias}."${name}"` : `"${name}"`)).join(', '));
      lists.set(key, fragment);
    }
    return fragment;
  };
  return {
    /** `"document_id", ...` (or `c."document_id", ...` with an alias), leaving out the keys in `except`. */
    columns: (alias?: string, except: readonly string[] = []) => list(alias, except),
    /** `"document_id" text, ...`: the recordset's column definition list. */
    definition,
    /**
     * Records (see `record`) as the rows of `m`, numbered in their order (`m.ord`), from one JSON
     * parameter: `ROWS FROM (jsonb_to_recordset($1::jsonb) AS (...)) WITH ORDINALITY AS m(..., ord)`.
     */
    numbered: (records: readonly Record<string, unknown>[]) =>
      sql`ROWS FROM (jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS (${definition})) WITH ORDINALITY AS m(${list(undefined, [])}, ord)`,
    /**
     * One row's values as bound parameters, each encoded by its column (mapToDriverValue) and cast
     * to its type: `$1::text, $2::jsonb, ...`, in `columns()` order (for one row, cheaper than a JSON record).
     */
    values(value: Record<string, unknown>): SQL {
      // One flat list of chunks, the encoded values as plain values (as an sql`` template holds them): a
      // Param object or a nested sql`` per value made drizzle's rendering 8 µs slower per addMessage.
      const chunks: unknown[] = [];
      columns.forEach(({ key, column, cast }, index) => {
        const item = value[key];
        if (index > 0) chunks.push(comma);
        chunks.push(item === undefined || item === null ? null : column.mapToDriverValue(item), cast);
      });
      return new SQL(chunks as SQLChunk[]);
    },
    /**
     * One input object as a record keyed by column names (JSON.stringify writes Dates as ISO text). Missing
     * and null values are left out: jsonb_to_recordset reads an absent key as NULL, and a 100-message save
     * then sends (and Postgres parses) no `"model":null, ...` for every message without usage.
     */
    record(value: Record<string, unknown>): Record<string, unknown> {
      const record: Record<string, unknown> = {};
      for (const { key, name } of columns) {
        const item = value[key];
        if (item !== undefined && item !== null) record[name] = item;
      }
      return record;
    },
  };
}

/** A message's citations, in citation_index order, as a JSON array (the unique index serves it); decode with decodeCitations. */
export const citationsOf = (messageAlias: string): SQL =>
  sql`coalesce((SELECT json_agg(${citationJson('c')} ORDER BY c.citation_index) FROM message_citations c WHERE c.message_id = ${sql.raw(messageAlias)}.id), '[]'::json)`;

/**
 * A metadata merge, `(metadata || patch)` where a null value removes its
 * key, bounded in size. `result(column)` is the merged object and
 * `fits(column)` whether it may be stored: at most `limits.jsonBytes` as
 * JSON text, measured as Postgres writes jsonb (a space after each `:` and
 * `,`), or no larger than what is stored already (so metadata stored before
 * the limit held can still shrink). Used in an UPDATE's SET and WHERE, both
 * are evaluated on the row version the UPDATE changes, so a concurrent merge
 * is neither lost nor let through past the limit. Both read the patch from
 * `patch`, which goes in the statement's FROM list: the patch is bound once.
 */
export function boundedMerge(patch: Record<string, unknown>) {
  const result = (column: SQL) => sql`((${column} || patch.value) - ARRAY(SELECT key FROM jsonb_each(patch.value) WHERE value = 'null'::jsonb))`;
  return {
    patch: sql`(SELECT ${JSON.stringify(patch)}::jsonb AS value) AS patch`,
    result,
    fits: (column: SQL) => sql`(octet_length(${result(column)}::text) <= greatest(${limits.jsonBytes}::int, octet_length(${column}::text)))`,
    /**
     * What a merge statement's row says (the updated row's columns, or none,
     * and `fits` as seen in its snapshot): the updated row; NotFoundError;
     * a ValidationError when the result would be over the limit (nothing
     * stored); or `raced` when it fitted in the snapshot yet the row it met
     * had changed (deleted, or grown by another merge), to run again.
     */
    outcome<TTable extends PgTable>(table: TTable, entity: string, row: (Record<string, unknown> & { id?: unknown; fits: boolean | null }) | undefined) {
      if (row?.id) return decodeRow(table, row);
      if (row?.fits === null || row?.fits === undefined) throw new NotFoundError(entity);
      if (!row.fits) {
        throw new ValidationError([
          { path: ['metadata'], code: 'too_big', message: `merged with what is stored, must be at most ${limits.jsonBytes} bytes as JSON` },
        ]);
      }
      return raced;
    },
  };
}
