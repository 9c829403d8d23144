/**
 * AI SDK conversations: UIMessages as saveUIMessages stores them. Structural
 * (no import of `ai`): a message is `{ id, role, metadata?, parts }`, a part
 * any JSON object with a `type`; the part types the AI SDK defines are
 * checked for the fields a reader relies on, every part is bounded in size
 * and depth by its type, and every string must be storable (no NUL, no lone
 * surrogate). Sources become citations by the convention in citationOfSource.
 */
import { z } from 'zod';
import { clientIdMaxLength, messageStatuses } from '../schema/chat.ts';
import { citationValidators } from './citations.ts';
import { boundedText, defaultLimits, idSchema, isStorableText, jsonObjectSchemaOf, type Limits, pageSizeSchemaOf, userIdSchema } from './common.ts';
import { messageCursor } from './cursors.ts';

/** A UIMessage as this library reads it: the AI SDK's `UIMessage` (v5 to v7) is one. */
export interface UIMessageLike {
  /** The message's id, unique within its session (stored as `messages.client_id`). */
  id: string;
  /** Who wrote it. */
  role: 'system' | 'user' | 'assistant';
  /** The message's metadata: a JSON object when given. */
  metadata?: unknown;
  /** Its parts, in order: text, reasoning, tool calls, sources, files, data, step markers. */
  parts: ReadonlyArray<{ readonly type: string; readonly [key: string]: unknown }>;
}

/**
 * Size bounds of a UIMessage, per part type, as JSON text in UTF-8 bytes
 * (a part's own JSON: its text, data URL, tool input and output, provider
 * metadata). Documented in the README, "AI SDK conversations".
 */
export const uiMessageLimits = Object.freeze({
  /** Messages in one saveUIMessages call. */
  messages: 1_000,
  /** Parts in one message. */
  parts: 1_000,
  /** Nesting depth inside one part (tool input and output, data, provider metadata). */
  depth: 32,
  /** All the parts of one message together. */
  messageBytes: 8 * 1024 * 1024,
  /** `file` and `reasoning-file`: a pasted image as a data URL (about 1.5 MB of binary). */
  file: 2 * 1024 * 1024,
  /** `text` and `reasoning`; the text parts of a message together are also bounded by `limits.content` (its searchable content). */
  text: 512 * 1024,
  /** `tool-*` and `dynamic-tool`: input, output or error, approval. */
  tool: 1024 * 1024,
  /** `data-*`. */
  data: 512 * 1024,
  /** `source-url`, `source-document`. */
  source: 64 * 1024,
  /** Any other part (`step-start`, `custom`, `steering-message`, types of later versions). */
  other: 256 * 1024,
});

const toolStates = ['input-streaming', 'input-available', 'approval-requested', 'approval-responded', 'output-available', 'output-error', 'output-denied'] as const;

/** The size bound of a part type (uiMessageLimits). */
function partBytesOf(type: string): number {
  if (type === 'file' || type === 'reasoning-file') return uiMessageLimits.file;
  if (type === 'text' || type === 'reasoning') return uiMessageLimits.text;
  if (type === 'dynamic-tool' || type.startsWith('tool-')) return uiMessageLimits.tool;
  if (type.startsWith('data-')) return uiMessageLimits.data;
  if (type === 'source-url' || type === 'source-document') return uiMessageLimits.source;
  return uiMessageLimits.other;
}

/** Fields each part type the AI SDK defines must have, as strings. */
function requiredStrings(type: string): readonly string[] {
  switch (type) {
    case 'text':
    case 'reasoning':
      return ['text'];
    case 'file':
    case 'reasoning-file':
      return ['mediaType', 'url'];
    case 'source-url':
      return ['sourceId', 'url'];
    case 'source-document':
      return ['sourceId', 'mediaType', 'title'];
    case 'dynamic-tool':
      return ['toolCallId', 'toolName', 'state'];
    default:
      return type.startsWith('tool-') ? ['toolCallId', 'state'] : [];
  }
}

interface Problem {
  path: (string | number)[];
  message: string;
}

const storableMessage = 'must not contain NUL characters (Postgres cannot store them) or unpaired UTF-16 surrogates';

/**
 * The size in UTF-8 bytes of `JSON.stringify(node)`, or why the value cannot
 * be stored as it is (its path built on the way back up; nothing is allocated
 * for a value that can). The recursion stops at the depth bound, so a part
 * nested 100,000 deep is refused there, never a stack overflow. Object keys
 * whose value is `undefined` are skipped, as JSON.stringify leaves them out
 * (the AI SDK writes such keys).
 */
function jsonSize(node: unknown, depth: number): Problem | number {
  if (typeof node === 'string') return stringSize(node);
  if (typeof node === 'number') return Number.isFinite(node) ? String(node).length : { path: [], message: 'numbers must be finite' };
  if (typeof node === 'boolean') return node ? 4 : 5;
  if (node === null) return 4;
  if (typeof node !== 'object') return { path: [], message: 'must hold only JSON values (no undefined in arrays, functions or bigints)' };
  if (depth >= uiMessageLimits.depth) return { path: [], message: `must be nested at most ${uiMessageLimits.depth} deep` };
  if (Array.isArray(node)) {
    let size = node.length === 0 ? 2 : node.length + 1; // brackets and commas
    for (let index = 0; index < node.length; index++) {
      const item = jsonSize(node[index], depth + 1);
      if (typeof item !== 'number') return (item.path.unshift(index), item);
      size += item;
    }
    return size;
  }
  const prototype = Object.getPrototypeOf(node);
  if (prototype !== Object.prototype && prototype !== null) return { path: [], message: 'must hold only JSON values (no dates, maps or class instances)' };
  let size = 1; // the opening brace; each member then adds its comma or the closing brace
  let members = 0;
  for (const key in node) {
    if (!Object.hasOwn(node, key)) continue;
    const value = (node as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const keySize = stringSize(key);
    if (typeof keySize !== 'number') return { path: [], message: `keys ${storableMessage}` };
    const item = jsonSize(value, depth + 1);
    if (typeof item !== 'number') return (item.path.unshift(key), item);
    size += keySize + 1 + item + 1; // key, colon, value, comma or brace
    members++;
  }
  return members === 0 ? 2 : size;
}

/** Printable ASCII other than `"` and `\`: a string of only these is its length plus two quotes as JSON. */
const plainJson = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string's size as JSON in UTF-8 bytes (quotes and escapes included), or why it cannot be stored. */
function stringSize(text: string): Problem | number {
  if (plainJson.test(text)) return text.length + 2;
  if (!isStorableText(text)) return { path: [], message: `strings ${storableMessage}` };
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x22 || unit === 0x5c) bytes += 2; // \" and \\
    else if (unit < 0x20) bytes += unit === 0x08 || unit === 0x09 || unit === 0x0a || unit === 0x0c || unit === 0x0d ? 2 : 6; // \n or \u0001
    else if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4; // a surrogate pair (well formed: checked above)
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Why a part cannot be stored as it is, or its size in UTF-8 bytes as JSON. */
function partProblem(part: unknown): Problem | number {
  if (part === null || typeof part !== 'object' || Array.isArray(part)) return { path: [], message: 'a part must be an object' };
  const { type } = part as { type?: unknown };
  if (typeof type !== 'string' || type.length === 0 || type.length > 200 || !isStorableText(type)) {
    return { path: ['type'], message: 'a part needs a type: a storable string of 1 to 200 characters' };
  }
  for (const field of requiredStrings(type)) {
    if (typeof (part as Record<string, unknown>)[field] !== 'string') return { path: [field], message: `a ${type} part needs ${field} as a string` };
  }
  if ((type === 'dynamic-tool' || type.startsWith('tool-')) && !(toolStates as readonly string[]).includes((part as { state: string }).state)) {
    return { path: ['state'], message: `must be one of ${toolStates.join(', ')}` };
  }
  if (type.startsWith('data-') && !('data' in part)) return { path: ['data'], message: 'a data part needs data' };

  const bytes = jsonSize(part, 0);
  if (typeof bytes !== 'number') return bytes;
  const maximum = partBytesOf(type);
  if (bytes > maximum) return { path: [], message: `a ${type} part must be at most ${maximum} bytes as JSON (it is ${bytes})` };
  return bytes;
}

/**
 * Where a RAG backend puts what a source is (the convention saveUIMessages
 * reads; README, "AI SDK conversations"): `providerMetadata.ragChatDb` of a
 * `source-url` or `source-document` part, `{ documentId?, chunkId?, score?,
 * snippet? }`. The document id defaults to the part's `sourceId`; title and
 * url come from the part itself.
 */
export const sourceMetadataKey = 'ragChatDb';

/**
 * A message's searchable content (`messages.content`): its text parts' text,
 * joined by a blank line; '' for a message without text. Adds an issue at
 * `path` when that is longer than `limits.content`. saveUIMessages and
 * finishMessage derive content with it; appendToMessage keeps to the same
 * rule as text arrives.
 */
function contentOfParts(parts: readonly Record<string, unknown>[], limits: Readonly<Limits>, ctx: z.RefinementCtx, path: (string | number)[]): string {
  const content = parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text as string)
    .join(contentSeparator);
  if (content.length > limits.content) {
    ctx.addIssue({ code: 'too_big', origin: 'string', maximum: limits.content, inclusive: true, path, input: content, message: `the text parts of a message must be at most ${limits.content} characters together` });
  }
  return content;
}

/** What joins the text parts of a message in its content. */
export const contentSeparator = '\n\n';

/** The UIMessage validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function uiMessageValidators(limits: Readonly<Limits>, citations: Pick<ReturnType<typeof citationValidators>, 'citationInput'> = citationValidators(limits)) {
  const clientId = boundedText(clientIdMaxLength, { min: 1 });
  const metadata = jsonObjectSchemaOf(limits);

  /**
   * The citation rows of a message's sources (`source-url`, `source-document`), numbered in part order, by the
   * `providerMetadata.ragChatDb` convention; issues at `path` for sources that cannot be citations.
   */
  const citationsOfParts = (messageParts: readonly Record<string, unknown>[], ctx: z.RefinementCtx, path: (string | number)[]) => {
    const sources = messageParts.filter((part) => part.type === 'source-url' || part.type === 'source-document');
    if (sources.length > limits.citations) {
      ctx.addIssue({ code: 'too_big', origin: 'array', maximum: limits.citations, inclusive: true, path, input: sources, message: `at most ${limits.citations} sources per message` });
    }
    return sources
      .map((part, sourceIndex) => {
        // What the convention names, if the part has it as an object (citationInput checks each value).
        const meta = (part.providerMetadata as Record<string, unknown> | undefined)?.[sourceMetadataKey];
        const given = (meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? meta : {}) as { documentId?: unknown; chunkId?: unknown; score?: unknown; snippet?: unknown };
        const citation = citations.citationInput.safeParse({
          documentId: given.documentId ?? part.sourceId,
          ...(given.chunkId === undefined ? {} : { chunkId: given.chunkId }),
          ...(given.score === undefined ? {} : { score: given.score }),
          ...(given.snippet === undefined ? {} : { snippet: given.snippet }),
          citationIndex: sourceIndex + 1,
          ...(typeof part.title === 'string' ? { title: part.title } : {}),
          ...(part.type === 'source-url' ? { url: part.url } : {}),
        });
        if (!citation.success) {
          const partIndex = messageParts.indexOf(part);
          for (const issue of citation.error.issues) {
            ctx.addIssue({ code: 'custom', path: [...path, partIndex, ...issue.path], input: part, message: `as a citation: ${issue.message}` });
          }
          return undefined;
        }
        return citation.data;
      })
      .filter((citation) => citation !== undefined);
  };

  const parts = z
    .array(z.unknown())
    .max(uiMessageLimits.parts, { message: `at most ${uiMessageLimits.parts} parts` })
    .superRefine((list, ctx) => {
      let total = 0;
      list.forEach((part, index) => {
        const problem = partProblem(part);
        if (typeof problem === 'number') total += problem;
        else ctx.addIssue({ code: 'custom', path: [index, ...problem.path], input: part, message: problem.message });
      });
      if (total > uiMessageLimits.messageBytes) {
        ctx.addIssue({ code: 'too_big', origin: 'array', maximum: uiMessageLimits.messageBytes, inclusive: true, input: list, message: `the parts of a message must be at most ${uiMessageLimits.messageBytes} bytes as JSON` });
      }
    })
    // Checked to be JSON values above (keys whose value is undefined are left out when stored, as JSON.stringify does).
    // No copy: it took a fifth of a 100-message save's validation.
    .transform((list) => list as Record<string, unknown>[]);

  const uiMessage = z.strictObject({
    id: clientId,
    role: z.enum(['system', 'user', 'assistant']),
    metadata: metadata.optional(),
    parts,
  });

  /** Per message (by id), what a save also records: its status (default complete) and usage. */
  const details = z.strictObject({
    status: z.enum(messageStatuses).optional(),
    model: boundedText(limits.shortText).optional(),
    inputTokens: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    outputTokens: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    totalTokens: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    finishReason: boundedText(limits.shortText).optional(),
    latencyMs: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  });

  /** A resumable stream's id (chat_sessions.active_stream_id): as long as a message id may be. */
  const streamId = boundedText(clientIdMaxLength, { min: 1 });

  const saveUIMessagesInput = z
    .strictObject({
      sessionId: idSchema,
      userId: userIdSchema,
      messages: z.array(uiMessage).min(1).max(uiMessageLimits.messages, { message: `at most ${uiMessageLimits.messages} messages per save` }),
      details: z.record(z.string(), details).optional(),
      /** The session's resumable stream: a stream id while an answer streams, null once it ended; absent leaves it as it is. */
      activeStreamId: streamId.nullable().optional(),
    })
    .superRefine((input, ctx) => {
      const ids = new Set<string>();
      input.messages.forEach((message, index) => {
        if (ids.has(message.id)) ctx.addIssue({ code: 'custom', path: ['messages', index, 'id'], input: message.id, message: 'message ids must be unique within a save' });
        ids.add(message.id);
      });
      for (const id of Object.keys(input.details ?? {})) {
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['details', id], input: id, message: 'names no message of this save' });
      }
    })
    .transform((input, ctx) => {
      const rows = input.messages.map((message, index) => {
        const content = contentOfParts(message.parts, limits, ctx, ['messages', index, 'parts']);
        const messageCitations = citationsOfParts(message.parts, ctx, ['messages', index, 'parts']);
        const detail = input.details?.[message.id] ?? {};
        return {
          clientId: message.id,
          role: message.role,
          content,
          parts: message.parts,
          metadata: message.metadata ?? {},
          status: detail.status ?? 'complete',
          model: detail.model,
          inputTokens: detail.inputTokens,
          outputTokens: detail.outputTokens,
          totalTokens: detail.totalTokens,
          finishReason: detail.finishReason,
          latencyMs: detail.latencyMs,
          citations: messageCitations,
        };
      });
      return { sessionId: input.sessionId, userId: input.userId, messages: rows, activeStreamId: input.activeStreamId };
    });

  const streamRef = {
    sessionId: idSchema,
    userId: userIdSchema,
    /** The assistant message's UIMessage id (the AI SDK's generateId, or the id its stream's `start` chunk carries). */
    id: clientId,
  };
  /** Usage as finishMessage records it: details without the status. */
  const usage = details.omit({ status: true });

  const startAssistantMessageInput = z.strictObject({
    ...streamRef,
    /** The session's active stream id while this answer streams (the AI SDK's resumable streams); default: the message id. */
    streamId: streamId.optional(),
    metadata: metadata.optional(),
  });

  const appendToMessageInput = z
    .strictObject({
      ...streamRef,
      /** Text that arrived: appended to the last part when it is a text part, else as a new text part. */
      text: boundedText(limits.content).optional(),
      /** Whole parts that arrived (a tool call, a source, a data part, a step marker), appended after `text`. */
      parts: parts.optional(),
    })
    .superRefine((input, ctx) => {
      if (input.text === undefined && input.parts === undefined) ctx.addIssue({ code: 'custom', path: ['text'], input, message: 'give text, parts or both' });
    })
    .transform((input, ctx) => ({
      ...input,
      /** The content the appended parts add (their text parts joined), or undefined for parts without text. */
      partsContent: input.parts?.some((part) => part.type === 'text') ? contentOfParts(input.parts, limits, ctx, ['parts']) : undefined,
    }));

  const finishMessageInput = z
    .strictObject({
      ...streamRef,
      status: z.enum(['complete', 'error', 'aborted']),
      /** The message's final parts, replacing those appended (content is derived from their text parts, as saveUIMessages does). */
      parts: parts.optional(),
      usage: usage.optional(),
    })
    .transform((input, ctx) => ({
      ...input,
      content: input.parts === undefined ? undefined : contentOfParts(input.parts, limits, ctx, ['parts']),
      /** The citation rows of the final parts' sources (replacing the message's), as saveUIMessages makes them. */
      citations: input.parts === undefined ? undefined : citationsOfParts(input.parts, ctx, ['parts']),
    }));

  return {
    startAssistantMessageInput,
    appendToMessageInput,
    finishMessageInput,
    uiMessageInput: uiMessage,
    saveUIMessagesInput,
    loadUIMessagesInput: z.strictObject({
      sessionId: idSchema,
      userId: userIdSchema,
      /** Newest messages to return (the page ends at the newest, or just before `before`). */
      limit: pageSizeSchemaOf(limits).default(100),
      /** `nextCursor` of the previous (newer) page, to read further back. */
      before: messageCursor.optional(),
    }),
  };
}

export const {
  /** One AI SDK UIMessage as saveUIMessages stores it: `id` (1 to 200 characters), `role` (system, user, assistant), optional `metadata`, and `parts` within uiMessageLimits. */
  uiMessageInput,
  /** saveUIMessages' input: `sessionId`, `userId`, 1 to `uiMessageLimits.messages` messages with unique ids, per-message `details` (status, usage) and `activeStreamId`; its output is the rows to write, content and citations derived from the parts. */
  saveUIMessagesInput,
  /** loadUIMessages' input: `sessionId`, `userId`, `limit` newest messages (100 by default) and `before`, the previous page's cursor. */
  loadUIMessagesInput,
  /** startAssistantMessage's input: `sessionId`, `userId`, the answer's UIMessage `id`, an optional `streamId` and `metadata`. */
  startAssistantMessageInput,
  /** appendToMessage's input: the streaming message (`sessionId`, `userId`, `id`) and the `text` or `parts` (or both) that arrived. */
  appendToMessageInput,
  /** finishMessage's input: the streaming message, its final `status` (complete, error, aborted), optional final `parts` (content and citations derived from them) and `usage`. */
  finishMessageInput,
} = uiMessageValidators(defaultLimits);
/** The input of saveUIMessages: saveUIMessagesInput's input type, with the messages as the AI SDK's UIMessages. */
export type SaveUIMessagesInput = Omit<z.input<typeof saveUIMessagesInput>, 'messages'> & { messages: readonly UIMessageLike[] };
/** The input of loadUIMessages (loadUIMessagesInput's input type). */
export type LoadUIMessagesInput = z.input<typeof loadUIMessagesInput>;
/** The input of startAssistantMessage (startAssistantMessageInput's input type). */
export type StartAssistantMessageInput = z.input<typeof startAssistantMessageInput>;
/** The input of appendToMessage: appendToMessageInput's input type, with the parts as the AI SDK's. */
export type AppendToMessageInput = Omit<z.input<typeof appendToMessageInput>, 'parts'> & { parts?: UIMessageLike['parts'] };
/** The input of finishMessage: finishMessageInput's input type, with the parts as the AI SDK's. */
export type FinishMessageInput = Omit<z.input<typeof finishMessageInput>, 'parts'> & { parts?: UIMessageLike['parts'] };
