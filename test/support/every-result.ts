/**
 * Every helper that returns rows, called once, with each object it returned
 * paired with the table it is a row of: what the column tests check against
 * the drizzle tables. Add a helper here when you add one that returns rows.
 */
import { getTableColumns } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import * as helpers from '../../src/queries/index.ts';
import { omittedColumns } from '../../src/queries/rows.ts';
import { userProfiles, users } from '../../src/schema/auth.ts';
import { chatSessions, deletedMessages, messageCitations, messageFeedback, messages } from '../../src/schema/chat.ts';

export interface Result {
  /** `helper > path`, for the failure message. */
  where: string;
  table: PgTable;
  row: Record<string, unknown>;
  /** Keys the helper adds beside the row's columns (nested rows, checked on their own). */
  nested?: readonly string[];
}

export async function everyResult(db: helpers.Executor): Promise<Result[]> {
  const out: Result[] = [];
  const add = (where: string, table: PgTable, row: unknown, nested?: readonly string[]) => {
    if (row === null || row === undefined) throw new Error(`${where} returned no row: the test needs one`);
    out.push({ where, table, row: row as Record<string, unknown>, nested });
  };
  const message = (where: string, m: { citations: unknown[]; feedback?: unknown }) => {
    add(where, messages, m, 'feedback' in m ? ['citations', 'feedback'] : ['citations']);
    m.citations.forEach((c, i) => add(`${where} > citations[${i}]`, messageCitations, c));
    if ('feedback' in m) add(`${where} > feedback`, messageFeedback, m.feedback);
  };

  const created = await helpers.createUser(db, { email: `columns-${crypto.randomUUID()}@example.test` });
  add('createUser', users, created);
  const userId = created.id;
  add('findUser', users, await helpers.findUser(db, { userId }));
  add('getUser', users, await helpers.getUser(db, { userId }));
  add('findUserByEmail', users, await helpers.findUserByEmail(db, { email: created.email }));
  add('updateUser', users, await helpers.updateUser(db, { userId, displayName: 'Ada' }));
  add('upsertProfile', userProfiles, await helpers.upsertProfile(db, { userId, preferredLanguage: 'en', experienceLevel: 'beginner' }));
  add('findProfile', userProfiles, await helpers.findProfile(db, { userId }));
  add('getProfile', userProfiles, await helpers.getProfile(db, { userId }));

  const session = await helpers.createSession(db, { userId, title: 'columns' });
  add('createSession', chatSessions, session);
  const ref = { sessionId: session.id, userId };
  add('findSession', chatSessions, await helpers.findSession(db, ref));
  add('getSession', chatSessions, await helpers.getSession(db, ref));
  add('renameSession', chatSessions, await helpers.renameSession(db, { ...ref, title: 'renamed' }));
  add('mergeSessionMetadata', chatSessions, await helpers.mergeSessionMetadata(db, { ...ref, metadata: { a: 1 } }));

  const citations = [{ documentId: 'doc', chunkId: 'chunk', score: 0.5, citationIndex: 1, title: 't', url: 'u', snippet: 's' }];
  const first = await helpers.addMessage(db, { ...ref, role: 'user', content: 'lidar odometry question', selectedText: 'lidar' });
  const answer = await helpers.addMessage(db, { ...ref, role: 'assistant', content: 'lidar odometry answer', metadata: { m: 1 }, citations });
  message('addMessage', answer);
  await helpers.addMessages(db, { ...ref, messages: [{ role: 'user', content: 'imported' }, { role: 'assistant', content: 'imported answer', citations }] });
  message('getMessage', await helpers.getMessage(db, { messageId: answer.id, userId }));
  add('mergeMessageMetadata', messages, await helpers.mergeMessageMetadata(db, { messageId: answer.id, userId, metadata: { n: 2 } }));
  add('setFeedback', messageFeedback, await helpers.setFeedback(db, { messageId: answer.id, userId, rating: 'up', reason: 'clear' }));
  (await helpers.getCitationsForMessage(db, { messageId: answer.id, userId })).forEach((c, i) => add(`getCitationsForMessage[${i}]`, messageCitations, c));
  const citing = await helpers.listMessagesCitingDocument(db, { userId, documentId: 'doc', limit: 1 });
  citing.items.forEach((m, i) => message(`listMessagesCitingDocument.items[${i}]`, m));

  const conversation = await helpers.getConversationWithCitations(db, { ...ref, limit: 3 });
  add('getConversationWithCitations.session', chatSessions, conversation.session);
  const rated = conversation.messages.find((m) => m.id === answer.id);
  if (!rated?.feedback) throw new Error('the conversation must show the rated answer');
  message('getConversationWithCitations.messages[rated]', rated);
  conversation.messages.forEach((m, i) => add(`getConversationWithCitations.messages[${i}]`, messages, m, ['citations', 'feedback']));

  const sessions = await helpers.listSessions(db, { userId, limit: 1 });
  sessions.items.forEach((s, i) => add(`listSessions.items[${i}]`, chatSessions, s));
  add('archiveSession', chatSessions, await helpers.archiveSession(db, ref));
  (await helpers.listSessions(db, { userId, archived: true })).items.forEach((s, i) => add(`listSessions(archived).items[${i}]`, chatSessions, s));
  add('restoreSession', chatSessions, await helpers.restoreSession(db, ref));

  // A deletion record for the export: delete the first question's successors in a second session.
  const other = await helpers.createSession(db, { userId });
  const doomed = await helpers.addMessage(db, { sessionId: other.id, userId, role: 'user', content: 'deleted later' });
  await helpers.deleteMessagesAfter(db, { messageId: doomed.id, userId });

  const exported = await helpers.exportUserData(db, { userId, pageSize: 2 });
  add('exportUserData.user', users, exported.user);
  add('exportUserData.profile', userProfiles, exported.profile);
  exported.sessions.forEach((s, i) => {
    add(`exportUserData.sessions[${i}]`, chatSessions, s, ['messages']);
    s.messages.forEach((m, j) => add(`exportUserData.sessions[${i}].messages[${j}]`, messages, m, ['citations', 'feedback']));
  });
  const exportedAnswer = exported.sessions.flatMap((s) => s.messages).find((m) => m.id === answer.id)!;
  message('exportUserData > the rated answer', exportedAnswer);
  exported.feedback.forEach((f, i) => add(`exportUserData.feedback[${i}]`, messageFeedback, f));
  exported.deletedMessages.forEach((d, i) => add(`exportUserData.deletedMessages[${i}]`, deletedMessages, d));
  if (exported.deletedMessages.length === 0) throw new Error('the export must hold a deletion record');
  void first;
  return out;
}

/** What is wrong with each result: missing or extra keys, or a value not of its column's type. */
export function columnProblems(results: readonly Result[]): string[] {
  const problems: string[] = [];
  for (const { where, table, row, nested = [] } of results) {
    const omitted = omittedColumns.get(table) ?? [];
    const columns = Object.entries(getTableColumns(table)).filter(([key]) => !omitted.includes(key));
    const expected = columns.map(([key]) => key).sort();
    const keys = Object.keys(row).filter((key) => !nested.includes(key)).sort();
    if (JSON.stringify(keys) !== JSON.stringify(expected)) problems.push(`${where}: keys ${keys.join(',')} but the table has ${expected.join(',')}`);
    for (const [key, column] of columns) {
      const value = row[key];
      if (value === null && !column.notNull) continue;
      const ok =
        column.dataType === 'date' ? value instanceof Date && !Number.isNaN(value.getTime())
        : column.dataType === 'json' ? typeof value === 'object' && value !== null
        : typeof value === column.dataType; // string, number, boolean, bigint
      if (!ok) problems.push(`${where}.${key}: ${JSON.stringify(value)} is not a ${column.dataType}`);
    }
  }
  return problems;
}

