/**
 * npm run bench -- [--scale small|large] [--rtt MS] [--seed N] [--reseed]
 *
 * Seeds (once per scale and seed; kept between runs), then measures every
 * hot path as our helper and as hand-written postgres.js SQL, alternating
 * in one run, and prints median and p95 latency, round trips per call and
 * the ratio. Writes bench/results/<scale>[-rtt<N>].json, latest.json and
 * latest.md. Exits 1 if a target is missed or, at the large scale, a read
 * path scans messages or message_citations sequentially.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createDb } from '../src/connection/create-db.ts';
import { connectForMigrations } from '../src/migrate/client.ts';
import { packageRoot, readMigrations } from '../src/migrate/files.ts';
import { migrate } from '../src/migrate/index.ts';
import { moduleNames } from '../src/migrate/modules.ts';
import { addMessagesChunkSize, getConversationWithCitations, listSessions, searchMessages } from '../src/queries/index.ts';
import * as schema from '../src/schema/index.ts';
import { findTestServer } from '../test/support/server.ts';
import { startTcpProxy, type TcpProxy } from '../test/support/tcp-proxy.ts';
import { buildCases, type Case } from './cases.ts';
import { explain, type PlanReport } from './plans.ts';
import { type Fixtures, fixtureIds, scales, seed } from './seed.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    rtt: { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    reseed: { type: 'boolean', default: false },
  },
});
if (values.scale !== 'small' && values.scale !== 'large') throw new Error('--scale is small or large');
const scale = scales[values.scale];
const rttMs = Number(values.rtt);
const seedValue = Number(values.seed);
const resultsDir = join(packageRoot, 'bench', 'results');

interface Row {
  case: string;
  implementation: string;
  medianMs: number;
  p95Ms: number;
  roundTrips: number;
  /** Median of per-iteration ratios ours / reference (each iteration runs both back to back, so drift cancels). */
  ratio: number | null;
  /** Ratio of the medians, for comparison. */
  ratioOfMedians: number | null;
}

const quiet = { onnotice: () => {} } as const;

function quantile(sorted: number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

async function prepareDatabase(adminUrl: string): Promise<{ url: string; fixtures: Fixtures }> {
  const name = `rag_chat_db_bench_${scale.name}`;
  const schemaHash = createHash('sha256')
    .update(moduleNames.flatMap((module) => readMigrations(module).map((m) => m.hash)).join())
    .update(readFileSync(join(packageRoot, 'bench', 'seed.ts')))
    .digest('hex')
    .slice(0, 12);
  const marker = `rag-chat-db bench ${scale.name} seed ${seedValue} schema ${schemaHash}`;
  const admin = postgres(adminUrl, { max: 1, ...quiet });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const [existing] = await admin`SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = ${name}`;
    if (existing && existing.marker === marker && !values.reseed) {
      process.stderr.write(`reusing ${name} (${marker})\n`);
      return { url: url.toString(), fixtures: fixtureIds(seedValue, scale) };
    }
    await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
    await admin`CREATE DATABASE ${admin(name)}`;
  } finally {
    await admin.end();
  }
  const client = await connectForMigrations(url.toString());
  await migrate(client, { scope: 'all' });
  await client.close();

  const started = performance.now();
  const sql = postgres(url.toString(), { max: 1, ...quiet });
  try {
    const fixtures = await seed(sql, seedValue, scale);
    const [counts] = await sql`SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM chat_sessions)::int AS sessions,
                                      (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM message_citations)::int AS citations`;
    process.stderr.write(`seeded ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}\n`);
    await sql`COMMENT ON DATABASE ${sql(name)} IS ${sql.unsafe(`'${marker}'`)}`;
    return { url: url.toString(), fixtures };
  } finally {
    await sql.end();
  }
}

async function measure(cases: Case[], counters: Map<string, number>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const benchCase of cases) {
    const samples = new Map<string, number[]>(benchCase.implementations.map((impl) => [impl.name, []]));
    const trips = new Map<string, number>(benchCase.implementations.map((impl) => [impl.name, 0]));
    const warmup = Math.max(2, Math.round(benchCase.iterations / 10));
    for (let i = 0; i < warmup + benchCase.iterations; i++) {
      // Alternate who goes first, so neither always runs on a warmer cache.
      const order = i % 2 === 0 ? benchCase.implementations : [...benchCase.implementations].reverse();
      for (const impl of order) {
        const before = counters.get('total')!;
        const started = performance.now();
        await impl.run();
        const elapsed = performance.now() - started;
        if (i >= warmup) {
          samples.get(impl.name)!.push(elapsed);
          trips.set(impl.name, trips.get(impl.name)! + counters.get('total')! - before);
        }
      }
    }
    await benchCase.cleanup?.();
    const reference = benchCase.implementations.find((impl) => impl.reference)!;
    const referenceSamples = samples.get(reference.name)!;
    const referenceMedian = quantile([...referenceSamples].sort((a, b) => a - b), 0.5);
    for (const impl of benchCase.implementations) {
      const own = samples.get(impl.name)!;
      const sorted = [...own].sort((a, b) => a - b);
      const median = quantile(sorted, 0.5);
      const pairedRatios = own.map((ms, i) => ms / referenceSamples[i]!).sort((a, b) => a - b);
      rows.push({
        case: benchCase.name,
        implementation: impl.name,
        medianMs: Number(median.toFixed(3)),
        p95Ms: Number(quantile(sorted, 0.95).toFixed(3)),
        roundTrips: Number((trips.get(impl.name)! / benchCase.iterations).toFixed(2)),
        ratio: impl.reference ? null : Number(quantile(pairedRatios, 0.5).toFixed(2)),
        ratioOfMedians: impl.reference ? null : Number((median / referenceMedian).toFixed(2)),
      });
    }
    process.stderr.write(`measured: ${benchCase.name}\n`);
  }
  return rows;
}

async function capturePlans(url: string, fixtures: Fixtures): Promise<PlanReport[]> {
  const captured: { query: string; parameters: unknown[] }[] = [];
  const client = postgres(url, { max: 1, fetch_types: false, ...quiet, debug: (_c, query, parameters) => captured.push({ query, parameters }) });
  const db = drizzle({ client, schema });
  const plain = postgres(url, { max: 1, ...quiet });
  const reports: PlanReport[] = [];
  const heavyPage = await listSessions(db, { userId: fixtures.heavyUserId, limit: 20 });
  const readPaths: [string, () => Promise<unknown>][] = [
    ['getConversationWithCitations', () => getConversationWithCitations(db, { sessionId: fixtures.longSessionId, userId: fixtures.longUserId, limit: 200 })],
    ['listSessions (first page)', () => listSessions(db, { userId: fixtures.heavyUserId, limit: 20 })],
    ['listSessions (next page)', () => listSessions(db, { userId: fixtures.heavyUserId, limit: 20, cursor: heavyPage.nextCursor! })],
    ['searchMessages', () => searchMessages(db, { userId: fixtures.searcherId, query: 'lidar odometry' })],
  ];
  try {
    for (const [helper, run] of readPaths) {
      captured.length = 0;
      await run();
      const { query, parameters } = captured.at(-1)!;
      reports.push(await explain(plain, helper, query, parameters));
    }
  } finally {
    await client.end();
    await plain.end();
  }
  return reports;
}

function markdown(rows: Row[], header: string): string {
  const lines = [
    header,
    '',
    '| case | implementation | median ms | p95 ms | round trips | × hand-written (paired) | × (of medians) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const ratio = (value: number | null) => (value === null ? 'reference' : value.toFixed(2));
    lines.push(`| ${row.case} | ${row.implementation} | ${row.medianMs.toFixed(2)} | ${row.p95Ms.toFixed(2)} | ${row.roundTrips} | ${ratio(row.ratio)} | ${ratio(row.ratioOfMedians)} |`);
  }
  return `${lines.join('\n')}\n`;
}

function checkTargets(rows: Row[], plans: PlanReport[]): { target: string; ok: boolean; detail: string }[] {
  const find = (caseStart: string, impl: string) => rows.find((row) => row.case.startsWith(caseStart) && row.implementation.startsWith(impl))!;
  const conversation = find('load', 'getConversation');
  const relational = find('load', 'drizzle');
  const add = find('add', 'addMessage');
  const naive = find('add', 'naive');
  const targets = [
    { target: 'conversation ≤ 1.15 × hand-written', ok: conversation.ratio! <= 1.15, detail: `${conversation.ratio}` },
    { target: 'conversation faster than drizzle relational', ok: conversation.medianMs < relational.medianMs, detail: `${conversation.medianMs} vs ${relational.medianMs} ms` },
    { target: 'add message ≤ 1.15 × hand-written', ok: add.ratio! <= 1.15, detail: `${add.ratio}` },
    ...['getConversationWithCitations', 'addMessage', 'listSessions', 'searchMessages'].map((helper) => {
      const mine = rows.filter((row) => row.implementation === helper);
      return { target: `${helper}: one round trip`, ok: mine.every((row) => row.roundTrips === 1), detail: mine.map((row) => row.roundTrips).join(', ') };
    }),
    (() => {
      // createSession, then BEGIN, one statement per 2,000-message chunk, COMMIT.
      const bulk = find('bulk', 'addMessages');
      const expected = 1 + Math.ceil(10_000 / addMessagesChunkSize) + 2;
      return { target: 'addMessages: one round trip per chunk', ok: bulk.roundTrips === expected, detail: `${bulk.roundTrips} (expected ${expected})` };
    })(),
  ];
  if (rttMs >= 5) {
    targets.push({ target: 'add message ≥ 3 × faster than a naive transaction at this RTT', ok: naive.medianMs / add.medianMs >= 3, detail: `${(naive.medianMs / add.medianMs).toFixed(2)} ×` });
  }
  if (scale.name === 'large') {
    for (const plan of plans) targets.push({ target: `${plan.helper}: no sequential scan of messages or message_citations`, ok: plan.seqScans.length === 0, detail: plan.seqScans.join(', ') || 'none' });
    const smallPath = join(resultsDir, `small${rttMs ? `-rtt${rttMs}` : ''}.json`);
    if (existsSync(smallPath)) {
      const small = JSON.parse(readFileSync(smallPath, 'utf8')) as { rows: Row[] };
      for (const [caseStart, impl] of [['list sessions, first', 'listSessions'], ['list sessions, deep', 'listSessions'], ['full-text', 'searchMessages']] as const) {
        const before = small.rows.find((row) => row.case.startsWith(caseStart) && row.implementation === impl)!;
        const now = find(caseStart, impl);
        targets.push({ target: `${caseStart}: large within 1.5 × small`, ok: now.medianMs <= before.medianMs * 1.5, detail: `${now.medianMs} vs ${before.medianMs} ms` });
      }
    }
  }
  return targets;
}

async function main() {
  const server = await findTestServer({ ...process.env, TEST_DATABASE_URL: process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL });
  let proxy: TcpProxy | undefined;
  try {
    const { url, fixtures } = await prepareDatabase(server.adminUrl);
    let target = url;
    if (rttMs > 0) {
      const parsed = new URL(url);
      proxy = await startTcpProxy({ targetHost: parsed.hostname, targetPort: Number(parsed.port || 5432), rttMs });
      target = proxy.urlThrough(url);
    }
    const counters = new Map([['total', 0]]);
    const count = () => counters.set('total', counters.get('total')! + 1);
    const ours = createDb({ url: target, max: 1, onQuery: count });
    const raw = postgres(target, { max: 1, ...quiet, debug: count });
    const relationalClient = postgres(target, { max: 1, ...quiet, debug: count });
    const relational = drizzle({ client: relationalClient, schema });
    try {
      const rows = await measure(await buildCases({ ours, raw, relational }, fixtures), counters);
      const plans = await capturePlans(url, fixtures);
      const targets = checkTargets(rows, plans);

      const [{ version }] = (await raw`SELECT current_setting('server_version') AS version`) as unknown as [{ version: string }];
      const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${version}`;
      const header = `${scale.name} scale, ${rttMs ? `${rttMs} ms added round-trip time` : 'loopback'}; ${new Date().toISOString().slice(0, 10)}; ${machine}`;
      const table = markdown(rows, header);
      process.stdout.write(`\n${table}\nPlans (our SQL, EXPLAIN ANALYZE):\n`);
      for (const plan of plans) process.stdout.write(`  ${plan.helper}: ${plan.nodes.join(' > ')} (${plan.ms.toFixed(2)} ms)\n`);
      process.stdout.write('\nTargets:\n');
      for (const t of targets) process.stdout.write(`  ${t.ok ? 'ok    ' : 'MISSED'} ${t.target}: ${t.detail}\n`);

      mkdirSync(resultsDir, { recursive: true });
      const result = { date: new Date().toISOString(), machine, scale, rttMs, seed: seedValue, rows, plans, targets };
      writeFileSync(join(resultsDir, `${scale.name}${rttMs ? `-rtt${rttMs}` : ''}.json`), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(resultsDir, 'latest.md'), table);
      process.exitCode = targets.every((t) => t.ok) ? 0 : 1;
    } finally {
      await Promise.all([ours.$client.end(), raw.end(), relationalClient.end()]);
    }
  } finally {
    await proxy?.close();
    await server.stop();
  }
}

await main();
