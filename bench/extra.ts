/**
 * The checks beyond one call at a time (bench/run.ts prints them with the
 * ratio cases): throughput under concurrency, the conversation statement's
 * server execution time, cold start and peak memory, each as ours against
 * the hand-written postgres.js SQL for the same result.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { createDb } from '../src/connection/create-db.ts';
import { packageRoot } from '../src/migrate/files.ts';
import { addMessage, getConversationWithCitations } from '../src/queries/index.ts';
import * as schema from '../src/schema/index.ts';
import { addMessageByHand, conversationByHand } from './by-hand.ts';
import { citations } from './cases.ts';
import type { Fixtures } from './seed.ts';

const quiet = { onnotice: () => {} } as const;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};

export interface Concurrency {
  clients: number;
  pool: number;
  seconds: number;
  /** Append-then-load operations per second, and their p99 latency, per side (summed over the rounds). */
  ours: { perSecond: number; p99Ms: number; medianMs: number };
  hand: { perSecond: number; p99Ms: number; medianMs: number };
  ratio: number;
}

/**
 * `clients` concurrent clients on a pool of `pool` connections per side, each
 * appending a message (with three citations) to its own session and then
 * loading that conversation (its newest 50 messages), for `seconds` per
 * round; the sides alternate round by round (`rounds` each).
 */
export async function concurrency(url: string, f: Fixtures, clients = 32, pool = 10, seconds = 3, rounds = 2): Promise<Concurrency> {
  const ours = createDb({ url, max: pool });
  const raw = postgres(url, { max: pool, fetch_types: false, ...quiet });
  const sessions = (await raw`
    INSERT INTO chat_sessions (user_id, title) SELECT ${f.writeUserId}, 'concurrency ' || g FROM generate_series(1, ${clients}) g RETURNING id`).map((row) => row.id as string);
  const sides = {
    ours: async (sessionId: string) => {
      await addMessage(ours, { sessionId, userId: f.writeUserId, role: 'assistant', content: 'DDS is the middleware.', citations });
      await getConversationWithCitations(ours, { sessionId, userId: f.writeUserId, limit: 50 });
    },
    hand: async (sessionId: string) => {
      await addMessageByHand(raw, sessionId, f.writeUserId);
      await conversationByHand(raw, sessionId, f.writeUserId, 50);
    },
  };
  const latencies = { ours: [] as number[], hand: [] as number[] };
  const elapsed = { ours: 0, hand: 0 };
  const round = async (side: 'ours' | 'hand') => {
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      sessions.map(async (sessionId) => {
        while (performance.now() < until) {
          const t = performance.now();
          await sides[side](sessionId);
          latencies[side].push(performance.now() - t);
        }
      }),
    );
    elapsed[side] += performance.now() - started;
  };
  try {
    // Warm both pools (connections, prepared statements), untimed.
    await Promise.all(sessions.map((id) => sides.ours(id)));
    await Promise.all(sessions.map((id) => sides.hand(id)));
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 === 0 ? (['ours', 'hand'] as const) : (['hand', 'ours'] as const)) await round(side);
    }
  } finally {
    await raw`DELETE FROM chat_sessions WHERE id IN ${raw(sessions)}`;
    await Promise.all([ours.$client.end(), raw.end()]);
  }
  const summary = (side: 'ours' | 'hand') => ({
    perSecond: Number(((latencies[side].length / elapsed[side]) * 1000).toFixed(1)),
    p99Ms: Number(quantile(latencies[side], 0.99).toFixed(2)),
    medianMs: Number(median(latencies[side]).toFixed(2)),
  });
  const result = { ours: summary('ours'), hand: summary('hand') };
  return { clients, pool, seconds: seconds * rounds, ...result, ratio: Number((result.ours.perSecond / result.hand.perSecond).toFixed(2)) };
}

export interface ServerTime {
  /** Median EXPLAIN ANALYZE execution time (ms) of the statement each side sends, alternating. */
  oursMs: number;
  handMs: number;
  ratio: number;
  samples: number;
  oursPlan: string;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The conversation statement's server execution time: the SQL our helper and the hand-written reference send, captured from the wire. */
export async function serverTime(url: string, f: Fixtures, samples = 40): Promise<ServerTime> {
  const captured: { query: string; parameters: unknown[] }[] = [];
  const client = postgres(url, { max: 1, fetch_types: false, ...quiet, debug: (_c, query, parameters) => captured.push({ query, parameters }) });
  const plain = postgres(url, { max: 1, fetch_types: false, ...quiet });
  try {
    await getConversationWithCitations(drizzle({ client, schema }), { sessionId: f.longSessionId, userId: f.longUserId, limit: 200 });
    const ours = captured.at(-1)!;
    await conversationByHand(client, f.longSessionId, f.longUserId, 200);
    const hand = captured.at(-1)!;
    const run = async ({ query, parameters }: { query: string; parameters: unknown[] }) => {
      const [row] = await plain.unsafe(`EXPLAIN (ANALYZE, BUFFERS off, TIMING off, FORMAT JSON) ${query}`, parameters as never[]);
      return row!['QUERY PLAN'][0] as { Plan: PlanNode; 'Execution Time': number };
    };
    const times = { ours: [] as number[], hand: [] as number[] };
    let plan: PlanNode | undefined;
    for (let i = 0; i < samples + 5; i++) {
      for (const side of i % 2 === 0 ? (['ours', 'hand'] as const) : (['hand', 'ours'] as const)) {
        const result = await run(side === 'ours' ? ours : hand);
        if (side === 'ours') plan = result.Plan;
        if (i >= 5) times[side].push(result['Execution Time']);
      }
    }
    const nodes: string[] = [];
    const walk = (node: PlanNode) => {
      nodes.push(`${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}`);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(plan!);
    const oursMs = median(times.ours);
    const handMs = median(times.hand);
    return { oursMs: Number(oursMs.toFixed(3)), handMs: Number(handMs.toFixed(3)), ratio: Number((oursMs / handMs).toFixed(2)), samples, oursPlan: nodes.join(' > ') };
  } finally {
    await Promise.all([client.end(), plain.end()]);
  }
}

const execFileAsync = promisify(execFile);
const childPath = join(packageRoot, '.bench-build', 'bench', 'child.js');

interface ChildReport {
  importMs: number;
  firstMs: number;
  maxRssMb: number;
}

async function child(side: 'ours' | 'hand', url: string, f: Fixtures, loads: number): Promise<ChildReport> {
  const { stdout } = await execFileAsync(process.execPath, [childPath, side, url, f.longSessionId, f.longUserId, String(loads)], { cwd: packageRoot });
  return JSON.parse(stdout) as ChildReport;
}

export interface ColdStart {
  processes: number;
  /** Medians over fresh processes, ms from process start. */
  ours: { importMs: number; firstQueryMs: number };
  hand: { importMs: number; firstQueryMs: number };
  ratio: number;
}

/** Whether the package is built (cold start and memory import it by name, from dist/). */
export const packageBuilt = () => existsSync(join(packageRoot, 'dist', 'index.js')) && existsSync(join(packageRoot, 'dist', 'node.js'));

/** Fresh processes, alternating: import, connect and load the 200-message conversation once. */
export async function coldStart(url: string, f: Fixtures, processes = 9): Promise<ColdStart> {
  const reports = { ours: [] as ChildReport[], hand: [] as ChildReport[] };
  await child('ours', url, f, 1); // the file system cache, untimed
  await child('hand', url, f, 1);
  for (let i = 0; i < processes; i++) {
    for (const side of i % 2 === 0 ? (['ours', 'hand'] as const) : (['hand', 'ours'] as const)) reports[side].push(await child(side, url, f, 1));
  }
  const summary = (side: 'ours' | 'hand') => ({
    importMs: Number(median(reports[side].map((r) => r.importMs)).toFixed(1)),
    firstQueryMs: Number(median(reports[side].map((r) => r.firstMs)).toFixed(1)),
  });
  const result = { ours: summary('ours'), hand: summary('hand') };
  return { processes, ...result, ratio: Number((result.ours.firstQueryMs / result.hand.firstQueryMs).toFixed(2)) };
}

export interface PeakMemory {
  loads: number;
  oursMb: number;
  handMb: number;
  ratio: number;
}

/** Peak RSS of a process that loads the 200-message conversation `loads` times (both sides run at once: memory, not time). */
export async function peakMemory(url: string, f: Fixtures, loads = 10_000): Promise<PeakMemory> {
  const [ours, hand] = await Promise.all([child('ours', url, f, loads), child('hand', url, f, loads)]);
  return { loads, oursMb: Number(ours.maxRssMb.toFixed(1)), handMb: Number(hand.maxRssMb.toFixed(1)), ratio: Number((ours.maxRssMb / hand.maxRssMb).toFixed(2)) };
}
