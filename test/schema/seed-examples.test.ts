/**
 * Every SQL example of the seed brief runs unchanged against the schema.
 * The examples are copied here verbatim; when the seed is beside the project
 * (../shared/seeds), a test checks the copies against it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { useDatabase } from '../support/context.ts';
import { insertMessage, insertSession, insertUser } from '../support/factories.ts';

const t = useDatabase();

const examples = {
  insertMessage: `INSERT INTO messages (session_id, role, content, selected_text)
VALUES ($1, 'user', 'What does this mean?', 'ROS 2 uses DDS for communication');`,
  insertCitations: `INSERT INTO message_citations (message_id, document_id, chunk_id, score, citation_index)
VALUES
  ($1, 'module-1-ros2', 'chunk_023', 0.89, 1),
  ($1, 'module-2-gazebo', 'chunk_045', 0.82, 2);`,
  insertProfile: `INSERT INTO user_profiles
  (user_id, software_background, hardware_background, experience_level, preferred_language)
VALUES
  ($1, 'Python, JavaScript', 'Raspberry Pi', 'intermediate', 'en');`,
  mergeMetadata: `-- Session metadata
UPDATE chat_sessions
SET metadata = metadata || '{"personalized": true, "chapter": "module-1"}'::jsonb
WHERE id = $1;

-- Message metadata
UPDATE messages
SET metadata = metadata || '{"translated_to": "ur", "tokens": 1250}'::jsonb
WHERE id = $1;`,
  conversationWithCitations: `SELECT
  m.id, m.role, m.content, m.created_at,
  json_agg(mc.document_id) FILTER (WHERE mc.id IS NOT NULL) as cited_docs
FROM messages m
LEFT JOIN message_citations mc ON m.id = mc.message_id
WHERE m.session_id = $1
GROUP BY m.id
ORDER BY m.created_at ASC;`,
};

const seedPath = new URL('../../../shared/seeds/000_a08b28a184bd4cc6.txt', import.meta.url);

describe.runIf(existsSync(seedPath))('the copies', () => {
  test.each(Object.entries(examples))('%s is verbatim in the seed', (_name, example) => {
    expect(readFileSync(seedPath, 'utf8')).toContain(example);
  });
});

describe('the seed examples', () => {
  test('a question with selected text, an answer with two citations, a profile, metadata merges and the conversation query', async () => {
    const userId = await insertUser(t.sql);
    const sessionId = await insertSession(t.sql, userId);

    await t.sql.unsafe(examples.insertMessage, [sessionId]);
    const answerId = await insertMessage(t.sql, sessionId, 'assistant', 'ROS 2 delegates transport to DDS.');
    await t.sql.unsafe(examples.insertCitations, [answerId]);
    await t.sql.unsafe(examples.insertProfile, [userId]);

    // The metadata example is two statements with one parameter each: run them one at a time.
    const [sessionUpdate, messageUpdate] = examples.mergeMetadata.split('\n\n');
    await t.sql.unsafe(sessionUpdate!, [sessionId]);
    await t.sql.unsafe(messageUpdate!, [answerId]);

    const conversation = await t.sql.unsafe(examples.conversationWithCitations, [sessionId]);
    expect(conversation.map((row) => [row.role, row.cited_docs])).toEqual([
      ['user', null],
      ['assistant', ['module-1-ros2', 'module-2-gazebo']],
    ]);

    const [question] = await t.sql`SELECT selected_text FROM messages WHERE session_id = ${sessionId} AND role = 'user'`;
    expect(question!.selected_text).toBe('ROS 2 uses DDS for communication');
    const [session] = await t.sql`SELECT metadata FROM chat_sessions WHERE id = ${sessionId}`;
    expect(session!.metadata).toEqual({ personalized: true, chapter: 'module-1' });
    const [answer] = await t.sql`SELECT metadata FROM messages WHERE id = ${answerId}`;
    expect(answer!.metadata).toEqual({ translated_to: 'ur', tokens: 1250 });
    const [profile] = await t.sql`SELECT experience_level, preferred_language FROM user_profiles WHERE user_id = ${userId}`;
    expect(profile).toEqual({ experience_level: 'intermediate', preferred_language: 'en' });
  });
});
