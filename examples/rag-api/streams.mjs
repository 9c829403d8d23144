// @ts-check
// Resumable streams for one process: resumable-stream (the package the AI SDK's docs resume streams
// with) over an in-memory publisher and subscriber instead of Redis. Several instances behind a load
// balancer need the shared one: createResumableStreamContext({ waitUntil }) from 'resumable-stream',
// which reads REDIS_URL. Keys here never expire: fine for an example, not for a long-running server.
import { createResumableStreamContext } from 'resumable-stream/generic';

export function inMemoryStreams() {
  /** @type {Map<string, string>} */
  const values = new Map();
  /** @type {Map<string, Set<(message: string) => void>>} */
  const channels = new Map();
  const later = (/** @type {() => void} */ deliver) => setImmediate(deliver); // as Redis delivers: after the publish returns
  /** @type {import('resumable-stream/generic').Publisher} */
  const publisher = {
    connect: async () => {},
    publish: async (channel, message) => {
      const listeners = [...(channels.get(channel) ?? [])];
      for (const listener of listeners) later(() => listener(message));
      return listeners.length;
    },
    set: async (key, value) => {
      values.set(key, value);
      return 'OK';
    },
    get: async (key) => values.get(key) ?? null,
    incr: async (key) => {
      const next = Number(values.get(key) ?? 0) + 1;
      values.set(key, String(next));
      return next;
    },
  };
  /** @type {import('resumable-stream/generic').Subscriber} */
  const subscriber = {
    connect: async () => {},
    subscribe: async (channel, callback) => {
      channels.set(channel, (channels.get(channel) ?? new Set()).add(callback));
    },
    unsubscribe: async (channel) => {
      channels.delete(channel);
    },
  };
  return createResumableStreamContext({ waitUntil: null, publisher, subscriber });
}
