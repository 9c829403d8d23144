// src/chat.ts
import { addMessage, createSession, type Executor } from 'rag-chat-db';
import type { createAuth } from './auth.ts';

// A route: better-auth's session cookie in, its user id to our helpers.
export async function startChat(db: Executor, auth: ReturnType<typeof createAuth>, request: Request, question: string) {
  const signedIn = await auth.api.getSession({ headers: request.headers });
  if (!signedIn) return new Response(null, { status: 401 });
  const session = await createSession(db, { userId: signedIn.user.id, title: question.slice(0, 80) });
  await addMessage(db, { sessionId: session.id, userId: signedIn.user.id, role: 'user', content: question });
  return Response.json({ sessionId: session.id }, { status: 201 });
}
