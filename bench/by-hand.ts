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

