/**
 * A fresh process for the cold-start and memory checks (bench/extra.ts
 * spawns it): node child.js ours|hand URL SESSION USER LOADS
 *
 * `ours` imports the built package by name (the root entry and
 * `rag-chat-db/node`'s createDb, as an application does); `hand` imports
 * postgres.js alone and runs the hand-written conversation query. Prints one
 * JSON line: milliseconds from process start to the imports done and to the
 * first conversation loaded, and the peak RSS after LOADS loads.
 */
const [mode, url, sessionId, userId, loadsText] = process.argv.slice(2) as [string, string, string, string, string];
const loads = Number(loadsText);
let load: () => Promise<unknown>;
let close: () => Promise<void>;
// Named through a variable: type-checking this file must not need the built package.
const root = 'rag-chat-db';
if (mode === 'ours') {
  const [{ getConversationWithCitations }, { createDb }] = await Promise.all([import(root), import(`${root}/node`)]);
  const db = createDb({ url, max: 1 });
  load = () => getConversationWithCitations(db, { sessionId, userId, limit: 200 });
  close = () => db.$client.end();
} else {
  const [{ default: postgres }, { conversationByHand }] = await Promise.all([import('postgres'), import('./by-hand.ts')]);
  const sql = postgres(url, { max: 1, fetch_types: false, onnotice: () => {} });
  load = () => conversationByHand(sql, sessionId, userId, 200);
  close = () => sql.end();
}
const importMs = performance.now();
await load();
const firstMs = performance.now();
for (let i = 1; i < loads; i++) await load();
await close();
process.stdout.write(`${JSON.stringify({ importMs, firstMs, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
