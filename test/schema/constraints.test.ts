/** The database itself rejects bad rows, whatever wrote them. */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { useDatabase } from '../support/context.ts';
import { insertCitation, insertFeedback, insertMessage, insertSession, insertUser, uniqueEmail } from '../support/factories.ts';

const t = useDatabase();

const checkViolation = { code: '23514' };
const uniqueViolation = { code: '23505' };

describe('users', () => {
  test('need only an email; the id and timestamps come from the database', async () => {
    const email = uniqueEmail();
    await t.sql`INSERT INTO users (email) VALUES (${email})`;
    const [row] = await t.sql`SELECT id, display_name, created_at, updated_at FROM users WHERE email = ${email}`;
    expect(row!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row!.display_name).toBeNull();
    expect(row!.created_at).toBeInstanceOf(Date);
  });

  test('emails are unique case-insensitively', async () => {
    const email = uniqueEmail();
    await insertUser(t.sql, email);
    await expect(insertUser(t.sql, email.toUpperCase())).rejects.toMatchObject({
      ...uniqueViolation,
      constraint_name: 'users_email_lower_idx',
    });
  });

  test.each(['', 'no-at-sign', 'two words@example.test', '@example.test'])('reject the email %j', async (email) => {
    await expect(insertUser(t.sql, email)).rejects.toMatchObject(checkViolation);
  });
});

describe('user_profiles', () => {
  test('one per user', async () => {
    const userId = await insertUser(t.sql);
    await t.sql`INSERT INTO user_profiles (user_id) VALUES (${userId})`;
    await expect(t.sql`INSERT INTO user_profiles (user_id) VALUES (${userId})`).rejects.toMatchObject(uniqueViolation);
  });

  test('need an existing user', async () => {
    await expect(t.sql`INSERT INTO user_profiles (user_id) VALUES (${randomUUID()})`).rejects.toMatchObject({ code: '23503' });
  });

  test.each(['beginner', 'intermediate', 'advanced'])('accept the experience level %s', async (level) => {
    const userId = await insertUser(t.sql);
    await t.sql`INSERT INTO user_profiles (user_id, experience_level) VALUES (${userId}, ${level})`;
  });

  test.each(['expert', 'Beginner', ''])('reject the experience level %j', async (level) => {
    const userId = await insertUser(t.sql);
    await expect(
      t.sql`INSERT INTO user_profiles (user_id, experience_level) VALUES (${userId}, ${level})`,
    ).rejects.toMatchObject({ ...checkViolation, constraint_name: 'user_profiles_experience_level_check' });
  });

  test.each(['en', 'ur', 'pt-BR', 'zh-Hant-TW', 'es-419'])('accept the language tag %s', async (tag) => {
    const userId = await insertUser(t.sql);
    await t.sql`INSERT INTO user_profiles (user_id, preferred_language) VALUES (${userId}, ${tag})`;
  });

  test.each(['english', 'e', 'en_US', 'en-', ''])('reject the language tag %j', async (tag) => {
    const userId = await insertUser(t.sql);
    await expect(
      t.sql`INSERT INTO user_profiles (user_id, preferred_language) VALUES (${userId}, ${tag})`,
    ).rejects.toMatchObject({ ...checkViolation, constraint_name: 'user_profiles_preferred_language_check' });
  });
});

describe('chat rows', () => {
  test.each(['user', 'assistant', 'system', 'tool'])('messages accept the role %s', async (role) => {
    await insertMessage(t.sql, await insertSession(t.sql), role);
  });

  test.each(['bot', 'USER', ''])('messages reject the role %j', async (role) => {
    const sessionId = await insertSession(t.sql);
    await expect(insertMessage(t.sql, sessionId, role)).rejects.toMatchObject({
      ...checkViolation,
      constraint_name: 'messages_role_check',
    });
  });

  test('metadata must be a JSON object', async () => {
    const sessionId = await insertSession(t.sql);
    await expect(t.sql`UPDATE chat_sessions SET metadata = '[1]' WHERE id = ${sessionId}`).rejects.toMatchObject(checkViolation);
    await expect(
      t.sql`INSERT INTO messages (session_id, role, content, metadata) VALUES (${sessionId}, 'user', 'hi', '"text"')`,
    ).rejects.toMatchObject(checkViolation);
  });

  test('a citation number is unique within its message, not across messages', async () => {
    const sessionId = await insertSession(t.sql);
    const first = await insertMessage(t.sql, sessionId, 'assistant');
    const second = await insertMessage(t.sql, sessionId, 'assistant');
    await insertCitation(t.sql, first, 1);
    await insertCitation(t.sql, second, 1);
    await expect(insertCitation(t.sql, first, 1)).rejects.toMatchObject({
      ...uniqueViolation,
      constraint_name: 'message_citations_message_id_citation_index_key',
    });
    await expect(insertCitation(t.sql, first, 0)).rejects.toMatchObject(checkViolation);
  });

  test.each(['NaN', 'Infinity', '-Infinity'])('citation scores reject %s and accept any finite number', async (score) => {
    const messageId = await insertMessage(t.sql, await insertSession(t.sql), 'assistant');
    await expect(
      t.sql`INSERT INTO message_citations (message_id, document_id, score, citation_index) VALUES (${messageId}, 'd', ${score}::float8, 1)`,
    ).rejects.toMatchObject({ ...checkViolation, constraint_name: 'message_citations_score_check' });
    await t.sql`INSERT INTO message_citations (message_id, document_id, score, citation_index) VALUES (${messageId}, 'd', -3.5, 2)`;
  });

  test('feedback: one per user and message, rated up or down', async () => {
    const userId = await insertUser(t.sql);
    const messageId = await insertMessage(t.sql, await insertSession(t.sql, userId), 'assistant');
    await insertFeedback(t.sql, messageId, userId, 'up');
    await expect(insertFeedback(t.sql, messageId, userId, 'down')).rejects.toMatchObject({
      ...uniqueViolation,
      constraint_name: 'message_feedback_message_id_user_id_key',
    });
    await expect(insertFeedback(t.sql, messageId, await insertUser(t.sql), 'meh')).rejects.toMatchObject(checkViolation);
  });

  test('messages written in one transaction get increasing created_at', async () => {
    const sessionId = await insertSession(t.sql);
    await t.sql.begin(async (tx) => {
      for (let i = 0; i < 5; i++) await tx`INSERT INTO messages (session_id, role, content) VALUES (${sessionId}, 'user', ${String(i)})`;
    });
    const rows = await t.sql`SELECT content FROM messages WHERE session_id = ${sessionId} ORDER BY created_at, id`;
    expect(rows.map((row) => row.content)).toEqual(['0', '1', '2', '3', '4']);
  });

  test('messages are numbered in write order (seq), even by raw SQL inserts stamped alike', async () => {
    const sessionId = await insertSession(t.sql);
    for (const content of ['question', 'answer', 'follow-up']) {
      await t.sql`INSERT INTO messages (session_id, role, content, created_at) VALUES (${sessionId}, 'user', ${content}, '2025-01-01T10:00:00Z')`;
    }
    const rows = await t.sql`SELECT content FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
    expect(rows.map((row) => row.content)).toEqual(['question', 'answer', 'follow-up']);
    await expect(t.sql`INSERT INTO messages (session_id, role, content, seq) VALUES (${sessionId}, 'user', 'x', 1)`).rejects.toMatchObject({ code: '428C9' });
  });

  test('a session without messages has its creation time as latest activity; its last message after that', async () => {
    const sessionId = await insertSession(t.sql);
    const [fresh] = await t.sql`SELECT last_activity_at = created_at AS same FROM chat_sessions WHERE id = ${sessionId}`;
    expect(fresh!.same).toBe(true);
    await t.sql`UPDATE chat_sessions SET last_message_at = created_at + interval '1 hour' WHERE id = ${sessionId}`;
    const [touched] = await t.sql`SELECT last_activity_at = last_message_at AS same FROM chat_sessions WHERE id = ${sessionId}`;
    expect(touched!.same).toBe(true);
  });

  test('the search column follows the content', async () => {
    const sessionId = await insertSession(t.sql);
    const messageId = await insertMessage(t.sql, sessionId, 'user', 'How do ROS 2 nodes communicate?');
    const [row] = await t.sql`
      SELECT search_vector @@ plainto_tsquery('english', 'communicating nodes') AS found FROM messages WHERE id = ${messageId}`;
    expect(row!.found).toBe(true);
  });
});
