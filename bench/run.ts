/**
 * npm run bench -- [--scale small|large] [--rtt MS] [--seed N] [--reseed] [--runs N] [--loads N]
 *
 * Seeds (once per scale and seed; kept between runs), then measures every
 * hot path as our helper and as hand-written postgres.js SQL, alternating
 * in one run, `--runs` times (default 3), and prints median and p95
 * latency, round trips per call and the ratio (each run's median of the
 * per-iteration ratios). Then, against the same hand-written SQL: 32
 * concurrent clients on pools of 10, the conversation statement's server
 * execution time, cold start and peak RSS over `--loads` conversation loads
 * (default 10,000) in child processes (these need `npm run build`). Prints
 * one table of the issue's targets, each PASS or MISS. Writes
 * bench/results/<scale>[-rtt<N>].json, latest.json and latest.md. Exits 1
 * if a target is missed or, at the large scale, a read path scans messages
 * or message_citations sequentially.
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
import { type ColdStart, type Concurrency, coldStart, concurrency, packageBuilt, type PeakMemory, peakMemory, type ServerTime, serverTime } from './extra.ts';
import { type Fixtures, fixtureIds, scales, seed } from './seed.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    rtt: { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    reseed: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    loads: { type: 'string', default: '10000' },
  },
});
if (values.scale !== 'small' && values.scale !== 'large') throw new Error('--scale is small or large');
const scale = scales[values.scale];
const rttMs = Number(values.rtt);
const seedValue = Number(values.seed);
const runs = Number(values.runs);
const loads = Number(values.loads);
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
  /** `ratio` in each run (`--runs`); the row's other figures are the last run's. */
  runRatios?: number[];
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
    '| case | implementation | median ms | p95 ms | round trips | × hand-written (paired), per run | × (of medians) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const ratio = (value: number | null) => (value === null ? 'reference' : value.toFixed(2));
    lines.push(`| ${row.case} | ${row.implementation} | ${row.medianMs.toFixed(2)} | ${row.p95Ms.toFixed(2)} | ${row.roundTrips} | ${row.runRatios ? row.runRatios.map((r) => r.toFixed(2)).join(', ') : ratio(row.ratio)} | ${ratio(row.ratioOfMedians)} |`);
  }
  return `${lines.join('\n')}\n`;
}

interface Target {
  target: string;
  ok: boolean;
  detail: string;
}

interface Extra {
  concurrency: Concurrency;
  serverTime: ServerTime;
  coldStart?: ColdStart;
  peakMemory?: PeakMemory;
}

function extraTargets({ concurrency: c, serverTime: t, coldStart: cold, peakMemory: memory }: Extra): Target[] {
  const targets: Target[] = [
    {
      target: `${c.clients} clients, pools of ${c.pool}, append then load: throughput ≥ 0.90 × hand-written`,
      ok: c.ratio >= 0.9,
      detail: `${c.ratio} (${c.ours.perSecond} against ${c.hand.perSecond} /s; p99 ${c.ours.p99Ms} against ${c.hand.p99Ms} ms)`,
    },
    { target: 'conversation statement, server execution ≤ 1.15 × hand-written', ok: t.ratio <= 1.15, detail: `${t.ratio} (${t.oursMs} against ${t.handMs} ms)` },
  ];
  if (cold) {
    targets.push({
      target: 'cold start (import, first conversation load) ≤ 1.5 × postgres.js alone',
      ok: cold.ratio <= 1.5,
      detail: `${cold.ratio} (${cold.ours.firstQueryMs} against ${cold.hand.firstQueryMs} ms; import ${cold.ours.importMs} against ${cold.hand.importMs} ms)`,
    });
  }
  if (memory) {
    targets.push({ target: `peak RSS over ${memory.loads} conversation loads ≤ 1.2 × hand-written`, ok: memory.ratio <= 1.2, detail: `${memory.ratio} (${memory.oursMb} against ${memory.handMb} MB)` });
  }
  return targets;
}

function checkTargets(rows: Row[], plans: PlanReport[]): Target[] {
  const find = (caseStart: string, impl: string) => rows.find((row) => row.case.startsWith(caseStart) && row.implementation.startsWith(impl))!;
  const conversation = find('load', 'getConversation');
  const relational = find('load', 'drizzle');
  const naive = find('add', 'naive');
  const targets: Target[] = [
    ...(
      [
        ['conversation load', 'load', 'getConversation'],
        ['session list, first page', 'list sessions, first', 'listSessions'],
        ['session list, deep page', 'list sessions, deep', 'listSessions'],
        ['addMessage', 'add', 'addMessage'],
        ['search', 'full-text', 'searchMessages'],
        ['saveUIMessages (100-message history, one new turn)', 'AI SDK: save', 'saveUIMessages'],
        ['loadUIMessages (200 messages)', 'AI SDK: load', 'loadUIMessages'],
      ] as const
    ).map(([name, caseStart, impl]) => {
      const row = find(caseStart, impl);
      const runsMedian = quantile([...row.runRatios!].sort((a, b) => a - b), 0.5);
      return { target: `${name} ≤ 1.10 × hand-written (median of the runs' paired ratios)`, ok: runsMedian <= 1.1, detail: `${row.runRatios!.join(', ')}` };
    }),
    { target: 'conversation faster than drizzle relational', ok: conversation.medianMs < relational.medianMs, detail: `${conversation.medianMs} vs ${relational.medianMs} ms` },
    ...['getConversationWithCitations', 'addMessage', 'listSessions', 'searchMessages', 'saveUIMessages', 'loadUIMessages'].map((helper) => {
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
    targets.push({ target: 'add message ≥ 3 × faster than a naive transaction at this RTT', ok: naive.medianMs / find('add', 'addMessage').medianMs >= 3, detail: `${(naive.medianMs / find('add', 'addMessage').medianMs).toFixed(2)} ×` });
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
      const perRun: Row[][] = [];
      for (let run = 0; run < runs; run++) {
        process.stderr.write(`run ${run + 1} of ${runs}\n`);
        perRun.push(await measure(await buildCases({ ours, raw, relational }, fixtures), counters));
      }
      const rows = perRun.at(-1)!.map((row, index) => ({ ...row, runRatios: row.ratio === null ? undefined : perRun.map((r) => r[index]!.ratio!) }));
      const plans = await capturePlans(url, fixtures);
      process.stderr.write('measuring: concurrency, server time\n');
      const extra: Extra = { concurrency: await concurrency(target, fixtures), serverTime: await serverTime(url, fixtures) };
      if (packageBuilt() && rttMs === 0) {
        process.stderr.write('measuring: cold start, peak memory\n');
        extra.coldStart = await coldStart(url, fixtures);
        extra.peakMemory = await peakMemory(url, fixtures, loads);
      } else {
        process.stderr.write('cold start and peak memory skipped: run npm run build first (loopback only)\n');
      }
      const targets = [...checkTargets(rows, plans), ...extraTargets(extra)];

      const [{ version }] = (await raw`SELECT current_setting('server_version') AS version`) as unknown as [{ version: string }];
      const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${version}`;
      const header = `${scale.name} scale, ${rttMs ? `${rttMs} ms added round-trip time` : 'loopback'}; ${new Date().toISOString().slice(0, 10)}; ${machine}`;
      const targetTable = [
        '| target | measured | result |',
        '| --- | --- | --- |',
        ...targets.map((t) => `| ${t.target} | ${t.detail} | ${t.ok ? 'PASS' : 'MISS'} |`),
      ].join('\n');
      const table = `${markdown(rows, header)}\nConversation statement, our plan: ${extra.serverTime.oursPlan}\n\n${targetTable}\n`;
      process.stdout.write(`\n${table}\nPlans (our SQL, EXPLAIN ANALYZE):\n`);
      for (const plan of plans) process.stdout.write(`  ${plan.helper}: ${plan.nodes.join(' > ')} (${plan.ms.toFixed(2)} ms)\n`);

      mkdirSync(resultsDir, { recursive: true });
      const result = { date: new Date().toISOString(), machine, scale, rttMs, seed: seedValue, runs, rows, perRun, plans, ...extra, targets };
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
