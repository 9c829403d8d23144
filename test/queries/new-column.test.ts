/**
 * A column added to a table reaches every helper's result with no other
 * edit: each table gets a `probe` column, in the database (ALTER TABLE) and
 * in its drizzle definition (as drizzle builds a column), before any helper
 * runs in this file; then every helper's every row must carry it, decoded.
 */
import { getTableColumns } from 'drizzle-orm';
import { jsonb, type PgTable } from 'drizzle-orm/pg-core';
import { beforeAll, expect, test } from 'vitest';
import { userProfiles, users } from '../../src/schema/auth.ts';
import { chatSessions, deletedMessages, messageCitations, messageFeedback, messages } from '../../src/schema/chat.ts';
import { useDatabase } from '../support/context.ts';
import { columnProblems, everyResult } from '../support/every-result.ts';

const t = useDatabase();
const tables: PgTable[] = [users, userProfiles, chatSessions, messages, messageCitations, messageFeedback, deletedMessages];
const probeOf = (table: PgTable) => ({ table: (table as unknown as Record<symbol, string>)[Symbol.for('drizzle:Name')] });

beforeAll(async () => {
  for (const table of tables) {
    const { table: name } = probeOf(table);
    // jsonb, so the value also goes through a decoder (mapFromDriverValue), not only a copy.
    await t.sql.unsafe(`ALTER TABLE ${name} ADD COLUMN probe jsonb NOT NULL DEFAULT '{"table": "${name}"}'`);
    const column = (jsonb('probe').notNull() as unknown as { build(table: PgTable): unknown }).build(table);
    Object.assign(getTableColumns(table), { probe: column });
    Object.assign(table, { probe: column });
  }
});

test('a new column in every table appears, decoded, in every helper result', async () => {
  const results = await everyResult(t.api);
  expect(columnProblems(results)).toEqual([]); // the keys now include probe
  const missing = results.filter(({ table, row }) => JSON.stringify(row.probe) !== JSON.stringify(probeOf(table)));
  expect(missing.map(({ where, row }) => `${where}: ${JSON.stringify(row.probe)}`)).toEqual([]);
  expect(results.length).toBeGreaterThan(40);
});
