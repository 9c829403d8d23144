/**
 * prisma/schema.prisma describes the same tables as the drizzle schema:
 * parsed with Prisma's own schema engine (WebAssembly, no binary download)
 * and compared model by model, field by field, relation by relation, index
 * by index. What Prisma cannot express is listed below, and only that.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getTableColumns, is, SQL } from 'drizzle-orm';
import { getTableConfig, type PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../src/migrate/files.ts';
import * as schema from '../src/schema/index.ts';

const { linkForeignKeys } = schema;

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  nativeType: [string, string[]] | null;
  isRequired: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string }[];
}

const wasm = createRequire(import.meta.url)('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };
const prismaSchema = readFileSync(join(packageRoot, 'prisma', 'schema.prisma'), 'utf8');
const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', prismaSchema]] }))).datamodel as {
  models: DmmfModel[];
  indexes: DmmfIndex[];
};

/** Every table the schema exports. */
const tables = (Object.values(schema) as unknown[]).filter((value): value is PgTable => is(value, PgTable));

/** What Prisma cannot express, reviewed: the test fails if this list and reality differ. */
const inexpressible = {
  columns: { 'messages.search_vector': 'a generated tsvector: Unsupported("tsvector"), so not in the client' },
  indexes: {
    users_email_lower_idx: 'an expression index (unique on lower(email))',
    chat_sessions_user_id_last_activity_at_id_idx: 'a partial index (WHERE archived_at IS NULL)',
  },
};

const prismaType: Record<string, [string, string | null]> = {
  uuid: ['String', 'Uuid'],
  text: ['String', null],
  'timestamp with time zone': ['DateTime', 'Timestamptz'],
  jsonb: ['Json', 'JsonB'],
  'double precision': ['Float', null],
  integer: ['Int', null],
  bigint: ['BigInt', null],
  tsvector: ['Unsupported', null],
};

const modelOf = (table: string) => dmmf.models.find((model) => (model.dbName ?? model.name) === table)!;
const fieldOf = (model: DmmfModel, column: string) => model.fields.find((field) => field.kind !== 'object' && (field.dbName ?? field.name) === column);

describe.each(tables.map((table) => [getTableConfig(table).name, table] as const))('%s', (tableName, table) => {
  const config = getTableConfig(table);
  const model = modelOf(tableName);

  test('has a model, with a field for every column and no other', () => {
    expect(model, `no model maps to ${tableName}`).toBeDefined();
    const missing = config.columns.filter((column) => !fieldOf(model, column.name)).map((column) => `${tableName}.${column.name}`);
    expect(missing).toEqual(Object.keys(inexpressible.columns).filter((key) => key.startsWith(`${tableName}.`)));
    const extra = model.fields.filter((field) => field.kind === 'scalar' && !config.columns.some((c) => c.name === (field.dbName ?? field.name)));
    expect(extra.map((field) => field.name)).toEqual([]);
  });

  test.each(config.columns.map((column) => [column.name, column] as const))('%s: type, nullability, key and default', (_name, column: PgColumn) => {
    const field = fieldOf(model, column.name);
    if (!field) return; // an inexpressible column, checked above
    const [type, nativeType] = prismaType[column.getSQLType()]!;
    expect(field.type).toBe(type);
    expect(field.nativeType?.[0] ?? null).toBe(nativeType);
    expect(field.isRequired).toBe(column.notNull);
    expect(field.isId).toBe(column.primary);
    // Generated columns have no default in either sense; Prisma must not think it may omit other columns.
    expect(field.hasDefaultValue).toBe(column.hasDefault && !column.generated);
  });

  test('a relation for every foreign key, cascading on delete', () => {
    const foreignKeys = [
      ...config.foreignKeys.map((fk) => {
        const reference = fk.reference();
        return { columns: reference.columns.map((c) => c.name), target: getTableConfig(reference.foreignTable).name, targetColumns: reference.foreignColumns.map((c) => c.name), onDelete: fk.onDelete };
      }),
      ...linkForeignKeys.filter((fk) => fk.table === tableName).map((fk) => ({ columns: [fk.column], target: fk.references.table, targetColumns: [fk.references.column], onDelete: fk.onDelete })),
    ];
    for (const fk of foreignKeys) {
      const target = modelOf(fk.target);
      const relation = model.fields.find((field) => field.kind === 'object' && field.type === target.name && (field.relationFromFields?.length ?? 0) > 0);
      expect(relation, `${tableName}.${fk.columns} -> ${fk.target}`).toBeDefined();
      expect(relation!.relationFromFields!.map((name) => fieldOf(model, model.fields.find((f) => f.name === name)!.dbName ?? name)!.dbName ?? name)).toEqual(fk.columns);
      expect(relation!.relationToFields!.map((name) => target.fields.find((f) => f.name === name)!.dbName ?? name)).toEqual(fk.targetColumns);
      expect(relation!.relationOnDelete?.toLowerCase()).toBe(fk.onDelete);
    }
    expect(model.fields.filter((field) => field.kind === 'object' && (field.relationFromFields?.length ?? 0) > 0)).toHaveLength(foreignKeys.length);
  });

  test('every index and unique constraint Prisma can express, by name and columns', () => {
    // Unsupported fields (the tsvector) are not in the DMMF's fields; their names are the drizzle keys.
    const columnsOf = (fields: { name: string }[]) =>
      fields.map(({ name }) => model.fields.find((f) => f.name === name)?.dbName ?? getTableColumns(table)[name]?.name ?? name);
    const prismaIndexes = dmmf.indexes.filter((index) => index.model === model.name && index.type !== 'id');
    const drizzleIndexes = [
      ...config.indexes.map((index) => ({
        name: index.config.name!,
        unique: index.config.unique,
        method: index.config.method ?? 'btree',
        columns: index.config.columns.map((c) => (c instanceof SQL ? null : (c as PgColumn).name)),
        expressible: !index.config.where && !index.config.columns.some((c) => c instanceof SQL),
      })),
      ...config.uniqueConstraints.map((unique) => ({ name: unique.name!, unique: true, method: 'btree', columns: unique.columns.map((c) => c.name), expressible: true })),
    ];
    for (const index of drizzleIndexes) {
      const match = prismaIndexes.find((p) => p.dbName === index.name);
      if (!index.expressible) {
        expect(inexpressible.indexes).toHaveProperty(index.name);
        expect(match).toBeUndefined();
        continue;
      }
      expect(match, index.name).toBeDefined();
      expect(match!.type).toBe(index.unique ? 'unique' : 'normal');
      expect((match!.algorithm ?? 'btree').toLowerCase()).toBe(index.method);
      expect(columnsOf(match!.fields)).toEqual(index.columns);
    }
    expect(prismaIndexes.length).toBe(drizzleIndexes.filter((index) => index.expressible).length);
  });
});

test('no model beyond the tables', () => {
  expect(dmmf.models.map((model) => model.dbName).sort()).toEqual(tables.map((table) => getTableConfig(table).name).sort());
});
