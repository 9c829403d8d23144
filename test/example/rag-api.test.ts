/** The example API, started on a loopback port and driven with fetch, bad input included. */
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { useDatabase } from '../support/context.ts';
import { useExampleServer } from '../support/example-server.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();
const example = useExampleServer(t);

const call = async (userId: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${example.base}${path}`, {
    method,
    headers: { 'x-user-id': userId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
};

test('a conversation through the API: session, question, cited answer, feedback, paging, export, erasure', async () => {
  const userId = await insertUser(t.sql);
  const session = await call(userId, 'POST', '/sessions', { title: 'ROS 2' });
  expect(session.status).toBe(201);
  const sessionId = session.json.id;

  expect((await call(userId, 'POST', `/sessions/${sessionId}/messages`, { role: 'user', content: 'What is DDS?', selectedText: 'DDS' })).status).toBe(201);
  const answer = await call(userId, 'POST', `/sessions/${sessionId}/messages`, {
    role: 'assistant',
    content: 'A middleware [1].',
    citations: [{ documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1 }],
  });
  expect(answer.json.citations).toHaveLength(1);
  expect((await call(userId, 'PUT', `/messages/${answer.json.id}/feedback`, { rating: 'up' })).json.rating).toBe('up');

  const conversation = await call(userId, 'GET', `/sessions/${sessionId}`);
  expect(conversation.json.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
  expect(conversation.json.messages[1].feedback.rating).toBe('up');

  await call(userId, 'POST', '/sessions', { title: 'second' });
  const page = await call(userId, 'GET', '/sessions?limit=1');
  const next = await call(userId, 'GET', `/sessions?limit=1&cursor=${page.json.nextCursor}`);
  expect([page.json.items[0].title, next.json.items[0].title]).toEqual(['second', 'ROS 2']);

  const exported = await call(userId, 'GET', '/me/export');
  expect(exported.json.sessions).toHaveLength(2);
  expect((await call(userId, 'DELETE', '/me')).json).toMatchObject({ sessions: 2, user: true });
  expect((await call(userId, 'GET', `/sessions/${sessionId}`)).status).toBe(404);
});

test('bad input is a 400 with the issues; another user is a 404; no user is a 401', async () => {
  const userId = await insertUser(t.sql);
  const sessionId = (await call(userId, 'POST', '/sessions', {})).json.id;

  const bad = await call(userId, 'POST', `/sessions/${sessionId}/messages`, { role: 'bot', content: '' });
  expect(bad.status).toBe(400);
  expect(bad.json.issues.map((issue: { path: string[] }) => issue.path.join('.'))).toEqual(expect.arrayContaining(['role', 'content']));
  expect((await call(userId, 'POST', `/sessions/${sessionId}/messages`, 'not json')).status).toBe(400);
  expect((await call(userId, 'GET', '/sessions/not-a-uuid')).status).toBe(400);
  expect((await call(randomUUID(), 'GET', `/sessions/${sessionId}`)).status).toBe(404);
  expect((await fetch(`${example.base}/sessions`)).status).toBe(401);
  const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${sessionId}`;
  expect(count!.n).toBe(0);
});
