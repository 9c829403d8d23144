/**
 * The best hand-written postgres.js SQL for the conversation and for adding
 * a message: the references of the ratio cases, the concurrency case, the
 * server-time check and the cold-start and memory children (which is why
 * this module imports nothing of ours, nor drizzle).
 */
import type postgres from 'postgres';

/** The citations of bench/cases.ts's messages, as rows. */
export const citationRows = [
  { documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1, title: 'ROS 2', url: 'https://docs.example/ros2', snippet: 'DDS ...' },
  { documentId: 'module-2-gazebo', chunkId: 'chunk_045', score: 0.82, citationIndex: 2, title: 'Gazebo', url: 'https://docs.example/gazebo', snippet: 'Worlds ...' },
  { documentId: 'module-3-nav', chunkId: 'chunk_101', score: 0.61, citationIndex: 3, title: 'Nav2', url: 'https://docs.example/nav2', snippet: 'Costmaps ...' },
].map((c) => ({
  document_id: c.documentId, chunk_id: c.chunkId, score: c.score, citation_index: c.citationIndex, title: c.title, url: c.url, snippet: c.snippet,
}));

/** The best hand-written SQL for the conversation (the reference of the conversation case, the concurrency case and the server-time check). */
export async function conversationByHand(raw: postgres.Sql, sessionId: string, userId: string, limit: number) {
  const rows = await raw`
    SELECT s.id AS session_id, s.title, s.metadata AS session_metadata, s.created_at AS session_created_at,
           m.id, m.role, m.content, m.selected_text, m.metadata, m.created_at, m.seq,
           (SELECT json_agg(json_build_object('id', c.id, 'documentId', c.document_id, 'chunkId', c.chunk_id, 'score', c.score,
                     'citationIndex', c.citation_index, 'title', c.title, 'url', c.url, 'snippet', c.snippet, 'createdAt', c.created_at)
                   ORDER BY c.citation_index)
            FROM message_citations c WHERE c.message_id = m.id) AS citations,
           f.rating, f.reason
    FROM chat_sessions s
    CROSS JOIN LATERAL (SELECT * FROM messages WHERE session_id = s.id ORDER BY seq DESC LIMIT ${limit}) m
    LEFT JOIN message_feedback f ON f.message_id = m.id AND f.user_id = ${userId}
    WHERE s.id = ${sessionId} AND s.user_id = ${userId}
    ORDER BY m.seq DESC`; // the join with feedback need not keep the lateral's order (53 of 99 pairs came back out of order)
  // The same result as the helper: timestamps as Dates (postgres.js parses the row's own; JSON holds text).
  for (const row of rows) for (const citation of row.citations ?? []) citation.createdAt = new Date(citation.createdAt);
  return rows.reverse();
}

/** The best hand-written SQL for addMessage: the same result (the message and its citations), values bound as parameters. */
export const addMessageByHand = (raw: postgres.Sql, sessionId: string, userId: string) => raw`
  WITH message AS (
    INSERT INTO messages (session_id, role, content)
    SELECT id, ${'assistant'}, ${'DDS is the middleware.'} FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId}
    RETURNING id, session_id, role, content, selected_text, metadata, created_at, seq
  ), citation AS (
    INSERT INTO message_citations (message_id, document_id, chunk_id, score, citation_index, title, url, snippet)
    SELECT message.id, c.* FROM message, jsonb_to_recordset(${raw.json(citationRows)}::jsonb)
      AS c(document_id text, chunk_id text, score float8, citation_index int, title text, url text, snippet text)
    RETURNING *
  ), touched AS (
    UPDATE chat_sessions s SET updated_at = now(), last_message_at = greatest(s.last_message_at, message.created_at)
    FROM message WHERE s.id = message.session_id
  )
  SELECT message.*, (SELECT json_agg(citation ORDER BY citation_index) FROM citation) AS citations FROM message`;


/** A UIMessage as the AI SDK cases send it (the shape saveUIMessages takes). */
export interface BenchUIMessage {
  id: string;
  role: 'user' | 'assistant';
  parts: ({ type: string } & Record<string, unknown>)[];
  metadata?: Record<string, unknown>;
}

/**
 * The best hand-written save of an AI SDK history: the same derivations in
 * JavaScript (content from the text parts, a citation row per source part
 * with the README's providerMetadata.ragChatDb convention), then one
 * statement that inserts the new messages, updates only those that changed,
 * writes the new messages' citations, touches the session and returns every
 * message's id, as saveUIMessages does.
 */
export function saveUIMessagesByHand(raw: postgres.Sql, sessionId: string, userId: string, messages: BenchUIMessage[]) {
  const rows = messages.map((message, index) => ({
    client_id: message.id,
    role: message.role,
    content: message.parts.filter((part) => part.type === 'text').map((part) => part.text as string).join('\n'),
    parts: message.parts,
    metadata: message.metadata ?? {},
    ord: index,
  }));
  const sources = messages.flatMap((message) =>
    message.parts
      .filter((part) => part.type === 'source-url' || part.type === 'source-document')
      .map((part, index) => {
        const rag = ((part.providerMetadata as Record<string, Record<string, unknown>> | undefined)?.ragChatDb ?? {}) as Record<string, unknown>;
        return {
          client_id: message.id,
          document_id: rag.documentId ?? part.sourceId,
          chunk_id: rag.chunkId ?? null,
          score: rag.score ?? null,
          citation_index: index + 1,
          title: part.title ?? null,
          url: part.url ?? null,
        };
      }),
  );
  return raw`
    WITH owner AS (
      SELECT id FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId}
    ), input AS (
      SELECT * FROM jsonb_to_recordset(${raw.json(rows as never)}::jsonb) AS m(client_id text, role text, content text, parts jsonb, metadata jsonb, ord int)
    ), saved AS (
      INSERT INTO messages AS t (session_id, client_id, role, content, parts, metadata)
      SELECT owner.id, m.client_id, m.role, m.content, m.parts, m.metadata FROM owner, input m ORDER BY m.ord
      ON CONFLICT (session_id, client_id) DO UPDATE SET role = excluded.role, content = excluded.content, parts = excluded.parts, metadata = excluded.metadata
      WHERE (t.role, t.content, t.parts, t.metadata) IS DISTINCT FROM (excluded.role, excluded.content, excluded.parts, excluded.metadata)
      RETURNING t.id, t.client_id, t.created_at, (t.xmax = 0) AS inserted
    ), cited AS (
      INSERT INTO message_citations AS c (message_id, document_id, chunk_id, score, citation_index, title, url)
      SELECT saved.id, s.document_id, s.chunk_id, s.score, s.citation_index, s.title, s.url
      FROM jsonb_to_recordset(${raw.json(sources as never)}::jsonb) AS s(client_id text, document_id text, chunk_id text, score float8, citation_index int, title text, url text)
      JOIN saved ON saved.client_id = s.client_id
      ON CONFLICT (message_id, citation_index) DO UPDATE SET document_id = excluded.document_id, chunk_id = excluded.chunk_id, score = excluded.score, title = excluded.title, url = excluded.url
    ), touched AS (
      UPDATE chat_sessions s SET updated_at = now(), last_message_at = greatest(s.last_message_at, (SELECT max(created_at) FROM saved WHERE inserted))
      FROM owner WHERE s.id = owner.id
    )
    SELECT coalesce(saved.id, kept.id) AS id, m.client_id, coalesce(saved.inserted, false) AS inserted
    FROM input m
    LEFT JOIN saved ON saved.client_id = m.client_id
    LEFT JOIN messages kept ON saved.id IS NULL AND kept.session_id = (SELECT id FROM owner) AND kept.client_id = m.client_id
    ORDER BY m.ord`;
}

/** The best hand-written load of a session's newest UIMessages (oldest first), as loadUIMessages returns them. */
export async function loadUIMessagesByHand(raw: postgres.Sql, sessionId: string, userId: string, limit: number) {
  const rows = await raw`
    SELECT m.client_id, m.role, m.metadata, m.parts, m.content
    FROM messages m
    WHERE m.session_id = (SELECT id FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId})
    ORDER BY m.seq DESC
    LIMIT ${limit + 1}`;
  return rows
    .slice(0, limit)
    .reverse()
    .map((row) => ({
      id: row.client_id as string,
      role: row.role as string,
      ...(row.metadata && Object.keys(row.metadata).length > 0 ? { metadata: row.metadata } : {}),
      parts: (row.parts as unknown[] | null) ?? [{ type: 'text', text: row.content }],
    }));
}
