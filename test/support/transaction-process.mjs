// Runs a two-statement transaction from a separate process (the built package, as an app would):
// node transaction-process.mjs <url> <userId> <firstSessionId> <secondSessionId>
import { addMessage, closeDb, createDb } from '../../dist/index.js';

const [url, userId, first, second] = process.argv.slice(2);
const db = createDb({ url, max: 1, connectTimeout: 5 });
const citations = [{ documentId: 'd', citationIndex: 1 }];
try {
  await db.transaction(async (tx) => {
    await addMessage(tx, { sessionId: first, userId, role: 'user', content: 'first', citations });
    process.stdout.write('first-done\n');
    await addMessage(tx, { sessionId: second, userId, role: 'assistant', content: 'second', citations });
  });
  process.stdout.write('committed\n');
} catch (error) {
  process.stdout.write(`rejected: ${error.constructor.name}\n`);
} finally {
  await closeDb(db).catch(() => {});
}
