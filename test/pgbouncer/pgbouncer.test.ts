/** Only in `npm run test:pgbouncer`: what a real PgBouncer in transaction mode changes. */
import { expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { connectForMigrations } from '../../src/migrate/client.ts';
import { cli } from '../support/cli.ts';
import { useDatabase } from '../support/context.ts';

const t = useDatabase();
const pooled = () => {
  const url = new URL(t.url);
  url.port = String(inject('pgbouncerPort'));
  url.searchParams.set('pgbouncer', 'true');
  return url.toString();
};

test('the library handle really goes through PgBouncer, with prepared statements off', async () => {
  expect(inject('pgbouncerPort')).toBeGreaterThan(0);
  expect(t.api.$client.options.port).toEqual([inject('pgbouncerPort')]);
  expect(t.api.$client.options.prepare).toBe(false);
  const [row] = await t.api.$client`SELECT current_database() AS db`;
  expect(row!.db).toBe(t.name);
});

test('migrations through it are refused, naming the direct URL', async () => {
  await expect(connectForMigrations(pooled())).rejects.toThrow('Use the direct URL');
  const result = await cli(['init'], { env: { DATABASE_URL: pooled() } });
  expect(result.code).toBe(exitCodes.refused);
  expect(result.stderr).toContain('migrations need a session of their own');
});
