// src/chat.ts
import { Auth, type AuthConfig } from '@auth/core';
import { addMessage, createSession, type Executor } from 'rag-chat-db';

// A route: Auth.js's session cookie in, its user id to our helpers.
export async function startChat(db: Executor, config: AuthConfig, request: Request, question: string) {
  const answer = await Auth(new Request(new URL('/auth/session', request.url), { headers: request.headers }), config);
  const signedIn = (await answer.json()) as { user?: { id: string } } | null;
  if (!signedIn?.user) return new Response(null, { status: 401 });
  const session = await createSession(db, { userId: signedIn.user.id, title: question.slice(0, 80) });
  await addMessage(db, { sessionId: session.id, userId: signedIn.user.id, role: 'user', content: question });
  return Response.json({ sessionId: session.id }, { status: 201 });
}
