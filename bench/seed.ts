/**
 * A realistic data set, generated inside Postgres and deterministic from a
 * seed: ids are md5 hashes of (seed, kind, number), words and scores come
 * from hashes too, so two runs with the same seed hold the same rows.
 *
 * Besides the bulk of users, sessions and messages (every second message an
 * answer with three citations), three fixtures the cases use:
 *  - a long conversation: one session of 2,000 messages;
 *  - a heavy user with 5,000 sessions;
 *  - a searcher: a user whose 20 sessions hold 100 messages each.
 */
import { createHash } from 'node:crypto';
import type postgres from 'postgres';

export interface Scale {
  name: 'small' | 'large';
  users: number;
  sessionsPerUser: number;
  messagesPerSession: number;
}

export const scales: Record<Scale['name'], Scale> = {
  small: { name: 'small', users: 100, sessionsPerUser: 10, messagesPerSession: 100 },
  large: { name: 'large', users: 10_000, sessionsPerUser: 10, messagesPerSession: 10 },
};

export interface Fixtures {
  longSessionId: string;
  longUserId: string;
  heavyUserId: string;
  searcherId: string;
  /** A session for the write cases. */
  writeSessionId: string;
  writeUserId: string;
}

const words = `robot node topic service action message publisher subscriber middleware dds ros gazebo simulation sensor lidar camera
imu odometry transform frame tf2 launch parameter package colcon build workspace urdf xacro joint link controller navigation
map localization slam planner costmap trajectory motion kinematics inverse forward servo motor encoder battery raspberry pi
arduino microcontroller firmware embedded linux ubuntu python cpp rclpy rclcpp callback executor thread timer qos reliability
durability history depth latency bandwidth network discovery domain security certificate bag record replay visualization rviz
plot debug log error warning install configure environment variable docker container deploy cloud edge gpu cuda inference model
vision detection segmentation tracking grasp manipulator arm gripper wheel differential drive holonomic legged balance control
pid feedback loop stability tuning gain filter kalman particle estimate noise covariance measurement update predict state`
  .split(/\s+/)
  .filter(Boolean);

/** Deterministic uuid for (seed, kind, n). */
const id = (kind: string, n: string) => `md5(${'$1'} || '-${kind}-' || ${n})::uuid`;

export function fixtureIds(seed: number, scale: Scale): Fixtures {
  const uuid = (kind: string, n: number) => {
    // Same construction as the SQL: md5(seed || '-kind-' || n) as a uuid.
    const hex = createHash('md5').update(`${seed}-${kind}-${n}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  const bulkSessions = scale.users * scale.sessionsPerUser;
  return {
    longSessionId: uuid('session', bulkSessions + 1),
    longUserId: uuid('user', scale.users + 1),
    heavyUserId: uuid('user', scale.users + 2),
    searcherId: uuid('user', scale.users + 3),
    writeSessionId: uuid('session', bulkSessions + 2),
    writeUserId: uuid('user', scale.users + 1),
  };
}

function progress(label: string, done: number, total: number) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const line = `${label.padEnd(22)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round((done / total) * 100)}%`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 4)) === 0) process.stderr.write(`${line}\n`);
}

/** Inserts `messagesPerSession` messages into each session numbered [from, to), with citations on every answer. */
async function messagesFor(sql: postgres.Sql, seed: number, from: number, to: number, perSession: number, baseMinutes: number) {
  await sql.unsafe(
    `
    WITH s AS (SELECT n, ${id('session', 'n')} AS session_id FROM generate_series($2::int, $3::int - 1) AS n),
    m AS (
      SELECT s.session_id, j,
             ${id('message', "s.n || '-' || j")} AS id,
             CASE WHEN j % 2 = 0 THEN 'user' ELSE 'assistant' END AS role,
             timestamptz '2026-01-01 00:00:00+00' + (s.n * $5::int) * interval '1 minute' + j * interval '7 seconds' AS created_at,
             s.n
      FROM s, generate_series(0, $4::int - 1) AS j
    ), inserted AS (
      INSERT INTO messages (id, session_id, role, content, selected_text, created_at)
      SELECT m.id, m.session_id, m.role,
             (SELECT string_agg(($6::text[])[1 + abs(('x' || substr(md5($1 || m.n || '-' || m.j || '-' || k), 1, 8))::bit(32)::int) % array_length($6::text[], 1)], ' ')
              FROM generate_series(1, CASE WHEN m.role = 'user' THEN 12 ELSE 40 END) AS k),
             CASE WHEN m.j % 10 = 0 THEN 'selected passage ' || m.n ELSE NULL END,
             m.created_at
      FROM m
      ORDER BY m.n, m.j -- write order (seq) follows created_at within each session
      RETURNING id, role
    )
    INSERT INTO message_citations (message_id, document_id, chunk_id, score, citation_index, title, url, snippet)
    SELECT i.id,
           'module-' || (abs(('x' || substr(md5(i.id::text || c), 1, 8))::bit(32)::int) % 50),
           'chunk_' || (abs(('x' || substr(md5(i.id::text || c || 'c'), 1, 8))::bit(32)::int) % 400),
           round((0.95 - c * 0.1)::numeric, 2)::float8, c,
           'Module section ' || c, 'https://docs.example/modules/' || c, 'A short passage shown to the reader.'
    FROM inserted i, generate_series(1, 3) AS c
    WHERE i.role = 'assistant'`,
    [String(seed), from, to, perSession, baseMinutes, words] as never[],
  );
}

export async function seed(sql: postgres.Sql, seedValue: number, scale: Scale): Promise<Fixtures> {
  const fixtures = fixtureIds(seedValue, scale);
  const s = String(seedValue);
  const bulkSessions = scale.users * scale.sessionsPerUser;

  // Users: the bulk, then the long-conversation user, the heavy user and the searcher.
  await sql.unsafe(
    `INSERT INTO users (id, email) SELECT ${id('user', 'n')}, 'user' || n || '@bench.example' FROM generate_series(1, $2::int) AS n`,
    [s, scale.users + 3] as never[],
  );
  // Bulk sessions, numbered 1..bulkSessions, owned round-robin; then the long one (+1) and the write one (+2).
  await sql.unsafe(
    `INSERT INTO chat_sessions (id, user_id, title, created_at)
     SELECT ${id('session', 'n')}, ${id('user', '(1 + (n - 1) % $3::int)')}, 'Session ' || n,
            timestamptz '2026-01-01 00:00:00+00' + n * interval '1 minute'
     FROM generate_series(1, $2::int) AS n`,
    [s, bulkSessions, scale.users] as never[],
  );
  await sql.unsafe(
    `INSERT INTO chat_sessions (id, user_id, title) VALUES (${id('session', '$2::int')}, $4::uuid, 'Long conversation'), (${id('session', '$3::int')}, $4::uuid, 'Writes')`,
    [s, bulkSessions + 1, bulkSessions + 2, fixtures.longUserId] as never[],
  );

  const batch = Math.max(1, Math.floor(20_000 / scale.messagesPerSession));
  for (let from = 1; from <= bulkSessions; from += batch) {
    await messagesFor(sql, seedValue, from, Math.min(from + batch, bulkSessions + 1), scale.messagesPerSession, 1);
    progress('messages + citations', Math.min(from + batch - 1, bulkSessions), bulkSessions);
  }
  await messagesFor(sql, seedValue, bulkSessions + 1, bulkSessions + 2, 2_000, 1);
  progress('long conversation', 1, 1);

  // The heavy user's 5,000 sessions (two messages each), numbered after the others.
  const heavyFrom = bulkSessions + 10;
  await sql.unsafe(
    `INSERT INTO chat_sessions (id, user_id, title, created_at)
     SELECT ${id('session', 'n')}, $4::uuid, 'Heavy ' || n, timestamptz '2026-02-01 00:00:00+00' + n * interval '1 minute'
     FROM generate_series($2::int, $3::int - 1) AS n`,
    [s, heavyFrom, heavyFrom + 5_000, fixtures.heavyUserId] as never[],
  );
  for (let from = heavyFrom; from < heavyFrom + 5_000; from += 1_000) {
    await messagesFor(sql, seedValue, from, from + 1_000, 2, 3);
  }
  progress('heavy user', 1, 1);

  // The searcher: 20 sessions of 100 messages.
  const searcherFrom = heavyFrom + 5_000;
  await sql.unsafe(
    `INSERT INTO chat_sessions (id, user_id, title) SELECT ${id('session', 'n')}, $4::uuid, 'Search ' || n FROM generate_series($2::int, $3::int - 1) AS n`,
    [s, searcherFrom, searcherFrom + 20, fixtures.searcherId] as never[],
  );
  await messagesFor(sql, seedValue, searcherFrom, searcherFrom + 20, 100, 5);
  progress('searcher', 1, 1);

  await sql`UPDATE chat_sessions s SET last_message_at = m.last FROM (SELECT session_id, max(created_at) AS last FROM messages GROUP BY session_id) m WHERE m.session_id = s.id`;
  await sql`ANALYZE`;
  progress('last activity, ANALYZE', 1, 1);
  return fixtures;
}
