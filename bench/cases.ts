/**
 * The hot paths, each as our helper and as the fastest SQL a Postgres
 * expert would write by hand with postgres.js for the same result (plus, for
 * the conversation, drizzle's relational query and a naive loop; for adding a
 * message, a naive transaction of separate statements).
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { PostgresDatabase } from '../src/connection/create-db.ts';
import {
  addMessage,
  addMessages,
  createSession,
  getConversationWithCitations,
  listSessions,
  loadUIMessages,
  saveUIMessages,
  searchMessages,
} from '../src/queries/index.ts';
import { encodeCursor } from '../src/validators/cursors.ts';
import * as schema from '../src/schema/index.ts';
import type { Fixtures } from './seed.ts';
import { addMessageByHand, type BenchUIMessage, citationRows, conversationByHand, loadUIMessagesByHand, saveUIMessagesByHand } from './by-hand.ts';

export interface Implementation {
  name: string;
  /** The reference the ratio is taken against. */
  reference?: boolean;
  run(): Promise<unknown>;
}

export interface Case {
  name: string;
  iterations: number;
  implementations: Implementation[];
  /** Untimed work after the case (removing what it wrote). */
  cleanup?(): Promise<void>;
}

export interface Clients {
  ours: PostgresDatabase;
  raw: postgres.Sql;
  relational: PostgresJsDatabase<typeof schema>;
}

export const citations = [
  { documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1, title: 'ROS 2', url: 'https://docs.example/ros2', snippet: 'DDS ...' },
  { documentId: 'module-2-gazebo', chunkId: 'chunk_045', score: 0.82, citationIndex: 2, title: 'Gazebo', url: 'https://docs.example/gazebo', snippet: 'Worlds ...' },
  { documentId: 'module-3-nav', chunkId: 'chunk_101', score: 0.61, citationIndex: 3, title: 'Nav2', url: 'https://docs.example/nav2', snippet: 'Costmaps ...' },
];

/** An AI SDK history of `count` messages: questions, and answers citing three retrieved chunks each (source-url parts). */
export function uiHistory(count: number, prefix: string): BenchUIMessage[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { id: `${prefix}-${i}`, role: 'user' as const, parts: [{ type: 'text', text: `How does lidar odometry drift, question ${i}?` }] }
      : {
          id: `${prefix}-${i}`,
          role: 'assistant' as const,
          parts: [
            { type: 'step-start' },
            ...citations.map((c) => ({
              type: 'source-url',
              sourceId: `${c.documentId}#${c.chunkId}`,
              url: c.url,
              title: c.title,
              providerMetadata: { ragChatDb: { documentId: c.documentId, chunkId: c.chunkId, score: c.score } },
            })),
            { type: 'text', text: `Drift accumulates from scan-matching error [1][2][3], answer ${i}.`, state: 'done' },
          ],
        },
  );
}

export async function buildCases({ ours, raw, relational }: Clients, f: Fixtures): Promise<Case[]> {
  const conversation = { sessionId: f.longSessionId, userId: f.longUserId };

  // The deep page of the heavy user's 5,000 sessions: position 4,900, as both implementations' cursor.
  const [deep] = await raw`
    SELECT to_json(last_activity_at) #>> '{}' AS at, id FROM chat_sessions
    WHERE user_id = ${f.heavyUserId} AND archived_at IS NULL
    ORDER BY last_activity_at DESC, id DESC OFFSET 4899 LIMIT 1`;
  const deepCursor = encodeCursor([deep!.at, deep!.id]);

  const bulkSessions: string[] = [];
  const bulkMessages = Array.from({ length: 10_000 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: `imported message ${i} about lidar odometry` }));

  const listByHand = (at: string | null, id: string | null) => raw`
    SELECT * FROM chat_sessions
    WHERE user_id = ${f.heavyUserId} AND archived_at IS NULL
      ${at ? raw`AND (last_activity_at, id) < (${at}::timestamptz, ${id}::uuid)` : raw``}
    ORDER BY last_activity_at DESC, id DESC
    LIMIT 21`;

  // AI SDK: a 100-message history saved again each turn with one new message (the onEnd pattern), each side on its
  // own session holding the first 99; and a 200-message session loaded as UIMessages.
  const uiSessions = (await raw`
    INSERT INTO chat_sessions (user_id, title) SELECT ${f.writeUserId}, 'AI SDK ' || g FROM generate_series(1, 3) g RETURNING id`).map((row) => row.id as string);
  const [oursUi, handUi, loadUi] = uiSessions as [string, string, string];
  const history = uiHistory(99, 'turn');
  await saveUIMessages(ours, { sessionId: oursUi, userId: f.writeUserId, messages: history });
  await saveUIMessages(ours, { sessionId: handUi, userId: f.writeUserId, messages: history });
  await saveUIMessages(ours, { sessionId: loadUi, userId: f.writeUserId, messages: uiHistory(200, 'load') });
  let turn = 0;
  const withNewTurn = () => [...history, { id: `new-${turn++}`, role: 'user' as const, parts: [{ type: 'text', text: 'And loop closure?' }] }];

  return [
    {
      name: 'AI SDK: save a 100-message history with one new turn (3 sources per answer)',
      iterations: 200,
      implementations: [
        { name: 'saveUIMessages', run: () => saveUIMessages(ours, { sessionId: oursUi, userId: f.writeUserId, messages: withNewTurn() }) },
        { name: 'hand-written SQL', reference: true, run: () => saveUIMessagesByHand(raw, handUi, f.writeUserId, withNewTurn()) },
      ],
    },
    {
      name: 'AI SDK: load 200 UIMessages',
      iterations: 100,
      implementations: [
        { name: 'loadUIMessages', run: () => loadUIMessages(ours, { sessionId: loadUi, userId: f.writeUserId, limit: 200 }) },
        { name: 'hand-written SQL', reference: true, run: () => loadUIMessagesByHand(raw, loadUi, f.writeUserId, 200) },
      ],
      cleanup: async () => {
        await raw`DELETE FROM chat_sessions WHERE id = ANY(${raw.array(uiSessions)}::uuid[])`;
      },
    },
    {
      name: 'load a 200-message conversation (3 citations per answer)',
      iterations: 60,
      implementations: [
        { name: 'getConversationWithCitations', run: () => getConversationWithCitations(ours, { ...conversation, limit: 200 }) },
        {
          name: 'hand-written SQL',
          reference: true,
          run: () => conversationByHand(raw, conversation.sessionId, conversation.userId, 200),
        },
        {
          name: "drizzle relational findFirst({ with })",
          run: () =>
            relational.query.chatSessions.findFirst({
              where: and(eq(schema.chatSessions.id, conversation.sessionId), eq(schema.chatSessions.userId, conversation.userId)),
              with: {
                messages: {
                  orderBy: [desc(schema.messages.seq)],
                  limit: 200,
                  columns: { searchVector: false },
                  with: {
                    citations: { orderBy: [asc(schema.messageCitations.citationIndex)] },
                    feedback: { where: eq(schema.messageFeedback.userId, conversation.userId) },
                  },
                },
              },
            }),
        },
        {
          name: 'naive: one query per message',
          run: async () => {
            const [session] = await raw`SELECT * FROM chat_sessions WHERE id = ${conversation.sessionId} AND user_id = ${conversation.userId}`;
            const messages = await raw`SELECT id, role, content, selected_text, metadata, created_at, seq FROM messages
                                       WHERE session_id = ${session!.id} ORDER BY seq DESC LIMIT 200`;
            for (const message of messages) {
              message.citations = await raw`SELECT * FROM message_citations WHERE message_id = ${message.id} ORDER BY citation_index`;
            }
            return messages.reverse();
          },
        },
      ],
    },
    {
      name: 'add an assistant message with 3 citations',
      iterations: 300,
      implementations: [
        {
          name: 'addMessage',
          run: () => addMessage(ours, { sessionId: f.writeSessionId, userId: f.writeUserId, role: 'assistant', content: 'DDS is the middleware.', citations }),
        },
        {
          name: 'hand-written SQL',
          reference: true,
          run: () => addMessageByHand(raw, f.writeSessionId, f.writeUserId),
        },
        {
          name: 'naive: BEGIN / INSERT / INSERT / UPDATE / COMMIT',
          run: () =>
            raw.begin(async (tx) => {
              const [message] = await tx`INSERT INTO messages (session_id, role, content) VALUES (${f.writeSessionId}, 'assistant', 'DDS is the middleware.') RETURNING id, created_at`;
              await tx`INSERT INTO message_citations ${tx(citationRows.map((c) => ({ ...c, message_id: message!.id })))}`;
              await tx`UPDATE chat_sessions SET updated_at = now(), last_message_at = ${message!.created_at} WHERE id = ${f.writeSessionId}`;
            }),
        },
      ],
      cleanup: async () => {
        await raw`DELETE FROM messages WHERE session_id = ${f.writeSessionId}`;
      },
    },
    {
      name: 'list sessions, first page (user with 5,000 sessions)',
      iterations: 100,
      implementations: [
        { name: 'listSessions', run: () => listSessions(ours, { userId: f.heavyUserId, limit: 20 }) },
        { name: 'hand-written SQL', reference: true, run: () => listByHand(null, null) },
      ],
    },
    {
      name: 'list sessions, deep page (sessions 4,901 to 4,920)',
      iterations: 100,
      implementations: [
        { name: 'listSessions', run: () => listSessions(ours, { userId: f.heavyUserId, limit: 20, cursor: deepCursor }) },
        { name: 'hand-written SQL', reference: true, run: () => listByHand(deep!.at, deep!.id) },
      ],
    },
    {
      name: "full-text search over a user's history",
      iterations: 50,
      implementations: [
        { name: 'searchMessages', run: () => searchMessages(ours, { userId: f.searcherId, query: 'lidar odometry', limit: 20 }) },
        {
          name: 'hand-written SQL',
          reference: true,
          run: () => raw`
            SELECT m.id, m.session_id, s.title, m.role, m.created_at, ts_rank(m.search_vector, q) AS rank,
                   ts_headline('english'::regconfig, m.content, q, 'StartSel="**", StopSel="**", MaxFragments=2, MinWords=5, MaxWords=20') AS snippet
            FROM plainto_tsquery('english'::regconfig, 'lidar odometry') AS q, chat_sessions s
                 -- The user's sessions, then their messages through the session index: a plain join went to a generic plan
                 -- after five executions that scanned the full-text index over every user's messages (2.0 s a call).
                 CROSS JOIN LATERAL (SELECT * FROM messages WHERE session_id = s.id OFFSET 0) AS m
            WHERE s.user_id = ${f.searcherId} AND m.search_vector @@ q
            ORDER BY rank DESC, m.seq DESC
            LIMIT 20`,
        },
      ],
    },
    {
      name: 'bulk import 10,000 messages',
      iterations: 5,
      implementations: [
        {
          name: 'addMessages',
          run: async () => {
            const session = await createSession(ours, { userId: f.writeUserId });
            bulkSessions.push(session.id);
            return addMessages(ours, { sessionId: session.id, userId: f.writeUserId, messages: bulkMessages });
          },
        },
        {
          name: 'hand-written SQL',
          reference: true,
          run: async () => {
            const [session] = await raw`INSERT INTO chat_sessions (user_id) VALUES (${f.writeUserId}) RETURNING id`;
            bulkSessions.push(session!.id);
            return raw`
              WITH inserted AS (
                INSERT INTO messages (session_id, role, content)
                SELECT ${session!.id}, r, c FROM unnest(${raw.array(bulkMessages.map((m) => m.role))}::text[], ${raw.array(bulkMessages.map((m) => m.content))}::text[])
                  WITH ORDINALITY AS t(r, c, ord)
                ORDER BY ord
                RETURNING created_at
              )
              UPDATE chat_sessions SET updated_at = now(), last_message_at = (SELECT max(created_at) FROM inserted) WHERE id = ${session!.id}`;
          },
        },
      ],
      cleanup: async () => {
        await raw`DELETE FROM chat_sessions WHERE id = ANY(${raw.array(bulkSessions)}::uuid[])`;
        bulkSessions.length = 0;
      },
    },
  ];
}
