// A multi-statement call in a process of its own (the built package, as an application runs it), so a
// crash of the process is seen rather than suffered: node transaction-process.mjs <scenario> <url> <userId> <sessionId> <otherSessionId>
// The parent cuts the connection while the call runs; this prints how the call ended, then proves the
// process lives on and the pool still works ("alive").
import { createInterface } from 'node:readline';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { addMessage, addMessages, eraseUser, withUser } from '../../dist/index.js';
import { closeDb, createDb } from '../../dist/node.js';

const [scenario, url, userId, first, second] = process.argv.slice(2);
const db = createDb({ url, max: 1, connectTimeout: 5 });
const citations = [{ documentId: 'd', citationIndex: 1 }];
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Two statements in one transaction; the second waits for the parent's lock (or, idle, for its word). */
async function twoStatements(tx, { idle = false } = {}) {
  await addMessage(tx, { sessionId: first, userId, role: 'user', content: 'first', citations });
  process.stdout.write('first-done\n');
  if (idle) await lines.next(); // the parent cuts the connection while the transaction is idle
  await addMessage(tx, { sessionId: second, userId, role: 'assistant', content: 'second', citations });
}

const scenarios = {
  // The application's own drizzle instance on its own postgres.js client: the helpers guard it.
  'with-user-own-client': async () => {
    const own = drizzle({ client: postgres(url, { max: 1, onnotice: () => {} }) });
    return withUser(own, { userId }, (tx) => twoStatements(tx));
  },
  transaction: () => db.transaction((tx) => twoStatements(tx)),
  'transaction-idle': () => db.transaction((tx) => twoStatements(tx, { idle: true })),
  'with-user': () => withUser(db, { userId }, (tx) => twoStatements(tx)),
  'add-messages': () =>
    addMessages(db, { sessionId: second, userId, messages: Array.from({ length: 2_001 }, (_, i) => ({ role: 'user', content: `m${i}` })) }),
  'erase-user': () => eraseUser(db, { userId }),
};

try {
  await scenarios[scenario]();
  process.stdout.write('committed\n');
} catch (error) {
  process.stdout.write(`rejected: ${error.constructor.name} ${error.sqlState ?? ''} retryable=${error.retryable}\n`);
}
// The crash upstream comes from a timer after the rejection: give it its chance, then use the pool again.
await new Promise((resolve) => setTimeout(resolve, 200));
await db.$client`SELECT 1`;
process.stdout.write('alive\n');
await closeDb(db).catch(() => {});
process.exit(0);
