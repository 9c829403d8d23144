#!/usr/bin/env node
// npm run demo: a short RAG exchange through rag-chat-db's public API, printed as a reader would see it.
// With DATABASE_URL set it uses that server; otherwise the embedded PGlite database in ./.rag-chat-db.
import {
  addMessage,
  createSession,
  createUser,
  getConversationWithCitations,
  getPersonalizationContext,
  mergeSessionMetadata,
  setFeedback,
  upsertProfile,
} from 'rag-chat-db';
import { closeDb, createDb, createEmbeddedDb } from 'rag-chat-db/node';
import { connectForMigrations, migrate, openEmbedded } from 'rag-chat-db/migrate';

const embeddedDir = process.env.RAG_CHAT_DB_EMBEDDED_DIR ?? '.rag-chat-db';

async function openDatabase() {
  const url = process.env.DATABASE_URL;
  const migrations = url ? await connectForMigrations(url) : await openEmbedded(embeddedDir);
  process.stderr.write(`rag-chat-db demo: ${migrations.description}\n`);
  try {
    const steps = await migrate(migrations, { scope: 'all' });
    process.stderr.write(steps.length ? `installed: ${steps.map((s) => `${s.module}/${s.tag}`).join(', ')}\n` : 'schema up to date\n');
  } finally {
    await migrations.close();
  }
  return url ? createDb({ url }) : createEmbeddedDb(embeddedDir);
}

const db = await openDatabase();
try {
  // A reader who finished onboarding.
  const user = await createUser(db, { email: `reader-${Date.now()}@example.test`, displayName: 'Ada' });
  await upsertProfile(db, {
    userId: user.id,
    softwareBackground: 'Python, JavaScript',
    hardwareBackground: 'Raspberry Pi',
    experienceLevel: 'intermediate',
    preferredLanguage: 'en',
    onboardingCompletedAt: new Date(),
  });
  const userId = user.id;
  const session = await createSession(db, { userId, title: 'ROS 2 basics' });
  const sessionId = session.id;

  // A question about a highlighted passage, and a cited answer.
  await addMessage(db, { sessionId, userId, role: 'user', content: 'What does this mean?', selectedText: 'ROS 2 uses DDS for communication' });
  const answer = await addMessage(db, {
    sessionId,
    userId,
    role: 'assistant',
    content: 'ROS 2 nodes do not talk to each other directly: they publish and subscribe through DDS, a middleware standard that handles discovery and delivery [1][2]. Gazebo uses the same topics to simulate sensors [3].',
    citations: [
      { documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1, title: 'ROS 2 communication', snippet: 'ROS 2 builds on DDS (Data Distribution Service)...' },
      { documentId: 'module-1-ros2', chunkId: 'chunk_031', score: 0.84, citationIndex: 2, title: 'Quality of service', snippet: 'DDS QoS policies decide reliability and history...' },
      { documentId: 'module-2-gazebo', chunkId: 'chunk_045', score: 0.82, citationIndex: 3, title: 'Simulated sensors', snippet: 'Gazebo plugins publish sensor data on ROS topics...' },
    ],
  });
  await setFeedback(db, { messageId: answer.id, userId, rating: 'up', reason: 'clear' });
  await mergeSessionMetadata(db, { sessionId, userId, metadata: { personalized: true, chapter: 'module-1' } });

  // A follow-up.
  await addMessage(db, { sessionId, userId, role: 'user', content: 'Do I need to install DDS myself?' });
  await addMessage(db, {
    sessionId,
    userId,
    role: 'assistant',
    content: 'No: a DDS implementation ships with every ROS 2 distribution; you can choose another with RMW_IMPLEMENTATION [1].',
    citations: [{ documentId: 'module-1-ros2', chunkId: 'chunk_037', score: 0.79, citationIndex: 1, title: 'Choosing a middleware' }],
  });

  // What the reader sees.
  const reader = await getPersonalizationContext(db, { userId });
  const { session: shown, messages } = await getConversationWithCitations(db, { sessionId, userId });
  const out = [];
  out.push(`${shown.title}  ${JSON.stringify(shown.metadata)}`);
  out.push(`for ${reader.displayName}: ${reader.experienceLevel}, language ${reader.preferredLanguage}, knows ${reader.softwareBackground}; ${reader.hardwareBackground}`);
  for (const message of messages) {
    out.push('');
    out.push(`${message.role === 'user' ? 'Reader' : 'Assistant'}: ${message.content}`);
    if (message.selectedText) out.push(`  about the highlighted text: "${message.selectedText}"`);
    for (const c of message.citations) {
      out.push(`  [${c.citationIndex}] ${c.documentId} / ${c.chunkId}  score ${c.score?.toFixed(2)}  ${c.title ?? ''}${c.snippet ? `: ${c.snippet}` : ''}`);
    }
    if (message.feedback) out.push(`  rated ${message.feedback.rating}${message.feedback.reason ? ` (${message.feedback.reason})` : ''}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await closeDb(db);
}
