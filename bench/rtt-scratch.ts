import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDb } from '../src/connection/create-db.ts';
import { startTcpProxy } from '../test/support/tcp-proxy.ts';

const proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: 5432, rttMs: 20 });
const url = proxy.urlThrough('postgres://postgres@127.0.0.1:5432/postgres');
const db = createDb({ url, max: 1 });
const raw = postgres(url, { max: 1 });
const time = async (label: string, fn: () => Promise<unknown>) => {
  await fn(); await fn();
  const t = performance.now();
  for (let i = 0; i < 10; i++) await fn();
  console.log(label.padEnd(50), ((performance.now() - t) / 10).toFixed(1), 'ms');
};
await time('drizzle db.execute(sql`SELECT ${1}`)', () => db.execute(sql`SELECT ${1}::int`));
await time('postgres.js unsafe, prepare: false', () => raw.unsafe('SELECT $1::int', [1]));
await time('postgres.js unsafe, prepare: true', () => raw.unsafe('SELECT $1::int', [1], { prepare: true }));
await time('postgres.js tagged template (prepared)', () => raw`SELECT ${1}::int`);
await time('no parameters', () => db.execute(sql`SELECT 1`));
const tx = await raw.begin(async (t) => ({ hasOptions: typeof (t as unknown as { options?: unknown }).options }));
console.log('transaction client options:', tx);
await Promise.all([db.$client.end(), raw.end()]);
await proxy.close();
