// A small HTTP API a RAG backend could start from: Hono routes over rag-chat-db's public API.
// Authentication is out of scope: the acting user's id arrives in the x-user-id header; put your
// auth middleware there. Input is validated by the helpers' own zod schemas; errors map to HTTP.
import { TypeValidationError } from 'ai';
import { Hono } from 'hono';
import {
  ConflictError,
  DatabaseError,
  NotFoundError,
  ValidationError,
  addMessage,
  createSession,
  eraseUser,
  exportUserData,
  getConversationWithCitations,
  listSessions,
  setFeedback,
} from 'rag-chat-db';
import { chatRoutes } from './chat.mjs';
import { mockModel, mockRetrieve } from './mock-ai.mjs';

/**
 * @param {import('rag-chat-db').Executor} db - from createDb or createEmbeddedDb (rag-chat-db/node), or any drizzle database with the schema
 * @param {Partial<Parameters<typeof chatRoutes>[2]>} [ai] - the chat route's model and retriever (mock ones by default) and its resumable streams (none by default)
 */
export function createApp(db, { model = mockModel(), retrieve = mockRetrieve, streams } = {}) {
  const app = new Hono();

  app.use('*', async (c, next) => {
    const userId = c.req.header('x-user-id');
    if (!userId) return c.json({ error: 'missing x-user-id' }, 401);
    c.set('userId', userId);
    await next();
  });

  const body = async (c) => {
    try {
      return await c.req.json();
    } catch {
      throw new ValidationError([{ path: [], message: 'the body must be JSON' }]);
    }
  };

  app.post('/sessions', async (c) => c.json(await createSession(db, { ...(await body(c)), userId: c.get('userId') }), 201));

  app.get('/sessions', async (c) => {
    const cursor = c.req.query('cursor');
    const limit = c.req.query('limit');
    return c.json(await listSessions(db, { userId: c.get('userId'), ...(cursor ? { cursor } : {}), ...(limit ? { limit: Number(limit) } : {}) }));
  });

  app.get('/sessions/:id', async (c) => {
    const before = c.req.query('before');
    return c.json(await getConversationWithCitations(db, { sessionId: c.req.param('id'), userId: c.get('userId'), ...(before ? { before } : {}) }));
  });

  app.post('/sessions/:id/messages', async (c) =>
    c.json(await addMessage(db, { ...(await body(c)), sessionId: c.req.param('id'), userId: c.get('userId') }), 201),
  );

  app.put('/messages/:id/feedback', async (c) =>
    c.json(await setFeedback(db, { ...(await body(c)), messageId: c.req.param('id'), userId: c.get('userId') })),
  );

  chatRoutes(app, db, { model, retrieve, streams }); // POST /chat, GET /chat/:id, GET /chat/:id/stream: the AI SDK's useChat

  app.get('/me/export', async (c) => c.json(await exportUserData(db, { userId: c.get('userId') })));
  app.delete('/me', async (c) => c.json(await eraseUser(db, { userId: c.get('userId') })));

  app.onError((error, c) => {
    if (error instanceof SyntaxError) return c.json({ error: 'the body must be JSON' }, 400);
    if (TypeValidationError.isInstance(error)) return c.json({ error: 'invalid messages' }, 400); // validateUIMessages
    if (error instanceof ValidationError) return c.json({ error: 'invalid input', issues: error.issues }, 400);
    if (error instanceof NotFoundError) return c.json({ error: error.message }, 404);
    if (error instanceof ConflictError) return c.json({ error: error.message }, 409);
    if (error instanceof DatabaseError && error.retryable) return c.json({ error: 'try again' }, 503);
    console.error(error.message); // never the input: messages hold no bound values
    return c.json({ error: 'internal error' }, 500);
  });

  return app;
}
