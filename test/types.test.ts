/** Type-level tests: checked by `npm run typecheck` (tsc), run as ordinary tests by vitest. */
import { describe, expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import type { Conversation } from '../src/queries/conversation.ts';
import { addMessage, createSession, getConversationWithCitations, listSessions, searchMessages } from '../src/queries/index.ts';
import type { ChatSession, Message, MessageCitation, NewMessage, User } from '../src/schema/index.ts';
import { addMessageInput, citationInput, createUserInput, selectMessageSchema, selectUserSchema } from '../src/validators/index.ts';

describe('types', () => {
  test('validator outputs match the tables', () => {
    expectTypeOf<z.output<typeof selectUserSchema>>().toEqualTypeOf<User>();
    expectTypeOf<z.output<typeof selectMessageSchema>>().toEqualTypeOf<Message>();
    expectTypeOf<z.output<typeof citationInput>['citationIndex']>().toEqualTypeOf<MessageCitation['citationIndex']>();
    expectTypeOf<z.output<typeof addMessageInput>['role']>().toEqualTypeOf<NewMessage['role']>();
    expectTypeOf<z.input<typeof createUserInput>>().toEqualTypeOf<{ email: string; displayName?: string | null | undefined; id?: string | undefined }>();
  });

  test('helper inputs and results', () => {
    expectTypeOf(createSession).returns.resolves.toEqualTypeOf<ChatSession>();
    expectTypeOf(getConversationWithCitations).returns.resolves.toEqualTypeOf<Conversation>();
    expectTypeOf(listSessions).returns.resolves.toHaveProperty('nextCursor').toEqualTypeOf<string | null>();
    expectTypeOf(searchMessages).returns.resolves.items.toHaveProperty('snippet').toEqualTypeOf<string>();
    expectTypeOf(addMessage).parameter(1).toHaveProperty('role').toEqualTypeOf<'user' | 'assistant' | 'system' | 'tool'>();

    // Never called: tsc checks that these calls do not compile.
    const wrongCalls = () => {
      // @ts-expect-error: role is one of four values
      void addMessage(null as never, { sessionId: '', userId: '', role: 'bot', content: 'x' });
      // @ts-expect-error: a message needs content
      void addMessage(null as never, { sessionId: '', userId: '', role: 'user' });
      // @ts-expect-error: a citation needs its number
      void addMessage(null as never, { sessionId: '', userId: '', role: 'user', content: 'x', citations: [{ documentId: 'd' }] });
    };
    expectTypeOf(wrongCalls).toBeFunction();
  });
});
