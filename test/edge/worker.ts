/**
 * A Cloudflare Worker using three helpers from the root entry over Neon's
 * HTTP driver: what test/edge/workerd.test.ts bundles (for the workerd /
 * worker / browser conditions, with no Node built-ins) and runs in workerd.
 *
 * POST / with `{ userId }`: a session, a question with highlighted text, a
 * cited answer, then the conversation as JSON. Errors come back as
 * `{ error: { name, code } }` with status 400 or 500.
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import { addMessage, createSession, getConversationWithCitations, RagChatDbError } from 'rag-chat-db';
import * as schema from 'rag-chat-db/schema';

interface Env {
  /** The database's connection string (Neon's; here the local endpoint's, whose host is never contacted). */
  DATABASE_URL: string;
  /** Where Neon's driver sends queries: Neon's `https://<host>/sql` by default; the local endpoint in the test. */
  NEON_FETCH_ENDPOINT?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (env.NEON_FETCH_ENDPOINT) neonConfig.fetchEndpoint = env.NEON_FETCH_ENDPOINT;
    const db = drizzle({ client: neon(env.DATABASE_URL), schema });
    try {
      const { userId } = (await request.json()) as { userId: string };
      const session = await createSession(db, { userId, title: 'From the edge' });
      await addMessage(db, { sessionId: session.id, userId, role: 'user', content: 'What is DDS?', selectedText: 'DDS' });
      await addMessage(db, {
        sessionId: session.id,
        userId,
        role: 'assistant',
        content: 'A middleware [1].',
        citations: [{ documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1, title: 'ROS 2 basics' }],
      });
      const conversation = await getConversationWithCitations(db, { sessionId: session.id, userId });
      const runtime = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent;
      return Response.json({ runtime, conversation });
    } catch (error) {
      const known = error instanceof RagChatDbError;
      return Response.json(
        { error: { name: (error as Error).name, code: known ? error.code : undefined, message: known ? error.message : String(error) } },
        { status: known ? 400 : 500 },
      );
    }
  },
};
