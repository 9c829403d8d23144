// @ts-check
// Stand-ins so the example runs without an API key or a vector store: a mock language model from
// `ai/test` that answers from the first passage in its system prompt, word by word, and a retriever
// over three passages. Replace them with your provider's model (e.g. openai('gpt-5-mini')) and your search.
import { MockLanguageModelV4 } from 'ai/test';

const passages = [
  { documentId: 'module-1-ros2', chunkId: 'chunk_023', url: 'https://docs.example/ros2#dds', title: 'ROS 2: DDS', text: 'DDS is the middleware ROS 2 nodes use to discover each other and exchange messages.' },
  { documentId: 'module-1-ros2', chunkId: 'chunk_024', url: 'https://docs.example/ros2#qos', title: 'ROS 2: QoS', text: 'QoS profiles set how reliable and durable a topic is.' },
  { documentId: 'module-2-gazebo', chunkId: 'chunk_101', url: 'https://docs.example/gazebo', title: 'Gazebo', text: 'Gazebo simulates robots and their sensors.' },
];

/**
 * The passages sharing a word (4 letters or more) with the question, best first, at most two.
 * @param {string} question
 */
export async function mockRetrieve(question) {
  const words = new Set(question.toLowerCase().match(/[a-z0-9]{4,}|dds|qos/g) ?? []);
  return passages
    .map((passage) => ({ ...passage, score: (passage.text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => words.has(w)).length / words.size || 0 }))
    .filter((passage) => passage.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 2)
    .map((passage) => ({ ...passage, score: Math.round(passage.score * 100) / 100 }));
}

/** The answer the mock model streams for a prompt: the first passage it was given, cited. @param {string | undefined} system */
export function mockAnswer(system) {
  const first = /\[1\] (.*)/.exec(system ?? '')?.[1];
  return first ? `${first} [1]` : 'I found nothing on that in the course material.';
}

export function mockModel() {
  return new MockLanguageModelV4({
    modelId: 'mock-rag',
    doStream: async ({ prompt }) => {
      const system = prompt.find((message) => message.role === 'system')?.content;
      const words = mockAnswer(system).split(/(?<= )/);
      /** @type {import('@ai-sdk/provider').LanguageModelV4StreamPart[]} */
      const parts = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 'answer' },
        ...words.map((delta) => /** @type {const} */ ({ type: 'text-delta', id: 'answer', delta })),
        { type: 'text-end', id: 'answer' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 40, noCache: 40, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: words.length, text: words.length, reasoning: 0 } } },
      ];
      return { stream: new ReadableStream({ start(controller) { for (const part of parts) controller.enqueue(part); controller.close(); } }) };
    },
  });
}
