/**
 * Network failures between the client and Postgres, injected by cutting every
 * connection through a loopback proxy: a write either fully happened or not
 * at all, the pool recovers, and the error says whether a retry is safe.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeDb, createDb, type PostgresDatabase } from '../../src/connection/create-db.ts';
import { DatabaseError } from '../../src/errors.ts';
import { packageRoot } from '../../src/migrate/files.ts';
import { addMessage, createSession, getConversationWithCitations, withUser } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';
import { holdLock as holdLockOn, untilWaitingOnLock as untilWaitingOnLockOf } from '../support/locks.ts';
import { startTcpProxyTo, type TcpProxy } from '../support/tcp-proxy.ts';

const t = useDatabase();
let proxy: TcpProxy;
let db: PostgresDatabase;

beforeAll(async () => {
  proxy = await startTcpProxyTo(t.url);
  db = createDb({ url: proxy.urlThrough(t.url), max: 2, connectTimeout: 5 });
});
afterAll(async () => {
  await closeDb(db);
  await proxy.close();
});

/** Holds a lock from another connection until release(): `FOR UPDATE` on a session row, or a whole table. */
const holdLock = (statement: Parameters<typeof holdLockOn>[1]) => holdLockOn(t.sql, statement);
const untilWaitingOnLock = () => untilWaitingOnLockOf(t.sql);

const citations = [1, 2, 3].map((citationIndex) => ({ documentId: `doc-${citationIndex}`, citationIndex }));

async function messageRows(sessionId: string) {
  const [row] = await t.sql`
    SELECT (SELECT count(*) FROM messages WHERE session_id = ${sessionId})::int AS messages,
           (SELECT count(*) FROM message_citations c JOIN messages m ON m.id = c.message_id WHERE m.session_id = ${sessionId})::int AS citations`;
  return row!;
}

async function untilNoActiveBackendsBut(ownPids: number[]) {
  for (let i = 0; i < 200; i++) {
    const [row] = await t.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND NOT pid = ANY(${ownPids}::int[])`;
    if (row!.n === 0) return;
    await sleep(10);
  }
}

test('a connection cut while addMessage runs: a typed error that says a retry is not safe; the message is whole or absent; the pool recovers', async () => {
  const userId = await insertUser(t.sql);
  const session = await createSession(db, { userId });

  // Hold the session row so the statement is surely in flight (blocked in its UPDATE) when the network fails.
  const release = await holdLock((sql) => sql`SELECT id FROM chat_sessions WHERE id = ${session.id} FOR UPDATE`);
  const pending = addMessage(db, { sessionId: session.id, userId, role: 'assistant', content: 'cut', citations }).catch((e: unknown) => e);
  await untilWaitingOnLock();
  proxy.cutAll();
  const error = await pending;
  await release();

  expect(error).toBeInstanceOf(DatabaseError);
  expect(error).toMatchObject({ retryable: false });
  expect((error as Error).message).toContain('may or may not have been applied');

  const [{ pid: ownPid }] = (await t.sql`SELECT pg_backend_pid() AS pid`) as unknown as [{ pid: number }];
  await untilNoActiveBackendsBut([ownPid]);
  const rows = await messageRows(session.id);
  expect([{ messages: 0, citations: 0 }, { messages: 1, citations: 3 }]).toContainEqual(rows);

  // The pool reconnects by itself: the next calls succeed.
  await addMessage(db, { sessionId: session.id, userId, role: 'user', content: 'after', citations });
  const conversation = await getConversationWithCitations(db, { sessionId: session.id, userId });
  expect(conversation.messages.at(-1)?.content).toBe('after');
});

/**
 * postgres.js 3.4.9 (the newest 3.4) crashes the process when the connection drops inside sql.begin: it
 * sends ROLLBACK on the dead socket, which throws an uncatchable TypeError (porsager/postgres#1154,
 * #1208; unreleased fixes #1168, #1209). The library's transactions never take that path (see
 * src/connection/postgres-js.ts). Each call runs in a child process, so a crash would be seen: the
 * process must live on, the call must end with a typed error, and nothing of it may persist.
 */
function runChild(scenario: string, userId: string, sessionId: string, otherId: string) {
  const script = join(packageRoot, 'test', 'support', 'transaction-process.mjs');
  const child = spawn(process.execPath, [script, scenario, proxy.urlThrough(t.url), userId, sessionId, otherId], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    exited,
    output: () => ({ stdout, stderr }),
    async printed(text: string) {
      for (let i = 0; i < 500 && !stdout.includes(text); i++) await sleep(10);
      expect(stdout).toContain(text);
    },
    say: (line: string) => child.stdin.write(`${line}\n`),
  };
}

/** The child ended its call with a typed DatabaseError (a write: not safe to retry), then used the pool again, and exited cleanly. */
async function expectTypedErrorAndAlive(child: ReturnType<typeof runChild>) {
  const code = await child.exited;
  const { stdout, stderr } = child.output();
  expect(stderr).not.toContain('TypeError');
  expect(code).toBe(0);
  expect(stdout).toMatch(/rejected: DatabaseError \S+ retryable=false/);
  expect(stdout).toContain('alive');
}

async function sessionPair() {
  const userId = await insertUser(t.sql);
  return { userId, session: await createSession(db, { userId }), other: await createSession(db, { userId }) };
}

async function expectNothingWritten(...sessionIds: string[]) {
  const [{ pid: ownPid }] = (await t.sql`SELECT pg_backend_pid() AS pid`) as unknown as [{ pid: number }];
  await untilNoActiveBackendsBut([ownPid]);
  for (const id of sessionIds) expect(await messageRows(id)).toEqual({ messages: 0, citations: 0 });
}

describe('a connection cut inside a multi-statement call: a typed error, nothing persists, and the process lives on', () => {
  test.each(['transaction', 'with-user', 'with-user-own-client', 'add-messages', 'erase-user'])('%s, cut while a statement runs', async (scenario) => {
    const { userId, session, other } = await sessionPair();
    // The statement that touches `other` waits for this lock, so it is surely in flight when the network fails.
    const release = await holdLock((sql) => sql`SELECT id FROM chat_sessions WHERE id = ${other.id} FOR UPDATE`);
    const child = runChild(scenario, userId, session.id, other.id);
    await untilWaitingOnLock();
    proxy.cutAll();
    await expectTypedErrorAndAlive(child);
    await release();
    await expectNothingWritten(session.id, other.id);
    const [{ n }] = (await t.sql`SELECT count(*)::int AS n FROM chat_sessions WHERE user_id = ${userId}`) as unknown as [{ n: number }];
    // A transaction never committed; eraseUser is one statement, which the server may finish after the
    // client is gone ("may or may not have been applied"): whole or absent.
    expect(scenario === 'erase-user' ? [0, 2] : [2]).toContain(n);
  });

  test('a transaction whose connection is cut while it is idle: the next statement fails at once, typed', async () => {
    const { userId, session, other } = await sessionPair();
    const child = runChild('transaction-idle', userId, session.id, other.id);
    await child.printed('first-done');
    proxy.cutAll();
    await sleep(100); // the child sees the connection close
    child.say('go');
    await expectTypedErrorAndAlive(child);
    await expectNothingWritten(session.id, other.id);
  });
});

test('a read cut by the network says a retry is safe', async () => {
  const userId = await insertUser(t.sql);
  const session = await createSession(db, { userId });
  const release = await holdLock((sql) => sql`LOCK TABLE message_feedback IN ACCESS EXCLUSIVE MODE`);
  const pending = getConversationWithCitations(db, { sessionId: session.id, userId }).catch((e: unknown) => e);
  await untilWaitingOnLock();
  proxy.cutAll();
  const error = await pending;
  await release();
  expect(error).toBeInstanceOf(DatabaseError);
  expect(error).toMatchObject({ retryable: true });
  expect((error as Error).message).toContain('a retry is safe');
});

describe('a network that stalls (issue 10.9): the call ends after the query timeout, with a typed error', () => {
  let stalling: PostgresDatabase;
  beforeAll(() => {
    stalling = createDb({ url: proxy.urlThrough(t.url), max: 2, queryTimeout: 300 });
  });
  afterAll(async () => {
    proxy.stalled = false;
    proxy.cutAll();
    await closeDb(stalling).catch(() => {});
  });

  test('a write: "may or may not have been applied"; a read: safe to retry; a transaction: ended too', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(stalling, { userId });
    proxy.stalled = true;
    try {
      const write = await addMessage(stalling, { sessionId: session.id, userId, role: 'user', content: 'stalled' }).catch((e: unknown) => e);
      expect(write).toBeInstanceOf(DatabaseError);
      expect(write).toMatchObject({ sqlState: 'QUERY_TIMEOUT', retryable: false });
      expect((write as Error).message).toMatch(/within 300 ms.*may or may not have been applied/);

      const read = await getConversationWithCitations(stalling, { sessionId: session.id, userId }).catch((e: unknown) => e);
      expect(read).toMatchObject({ sqlState: 'QUERY_TIMEOUT', retryable: true });

      // BEGIN goes through postgres.js unbounded, so the stall starts once the transaction is open.
      proxy.stalled = false;
      proxy.cutAll();
      const inTransaction = await withUser(stalling, { userId }, async (tx) => {
        proxy.stalled = true;
        return addMessage(tx, { sessionId: session.id, userId, role: 'user', content: 'stalled in a transaction' });
      }).catch((e: unknown) => e);
      expect(inTransaction).toMatchObject({ sqlState: 'QUERY_TIMEOUT', retryable: false });
    } finally {
      proxy.stalled = false;
      proxy.cutAll();
    }
    // Once the network is back, new connections serve the next call.
    await addMessage(stalling, { sessionId: session.id, userId, role: 'user', content: 'after' });
  });
});
