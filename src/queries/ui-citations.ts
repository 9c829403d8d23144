/**
 * The citation rows of UIMessage sources (saveUIMessages, finishMessage):
 * inserted or replaced by `citation_index`, and those past a message's new
 * number of sources deleted. Internal: not exported from the package.
 */
import { type SQL, sql } from 'drizzle-orm';
import { messageCitations } from '../schema/chat.ts';
import { citationInput } from '../validators/citations.ts';
import { recordsetOf } from './json.ts';

const citationKeys = Object.keys(citationInput.shape);
const citationSet = recordsetOf(messageCitations, citationKeys);
const citationName = (key: string) => (messageCitations as unknown as Record<string, { name: string }>)[key]!.name;

/** A replaced citation takes every value of the new one (citation_index is its key). */
const citationConflictSet = sql.raw(
  citationKeys
    .filter((key) => key !== 'citationIndex')
    .map((key) => `"${citationName(key)}" = excluded."${citationName(key)}"`)
    .concat('"created_at" = now()')
    .join(', '),
);

/** A message's citations as the records savedCitations reads, keyed by its client id. */
export function citationRecordsOf(clientId: string, citations: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return citations.map((citation) => ({ client_id: clientId, ...citationSet.record(citation) }));
}

/**
 * CTEs (`source`, `cited`, `uncited`) writing the citations of the messages in a CTE named `saved`
 * (`id`, `client_id`, `inserted`): each message's sources inserted or replaced, and, for a message
 * not inserted by the statement, those past its new number of sources deleted.
 */
export function savedCitations(citationRecords: Record<string, unknown>[]): SQL {
  return sql`source AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(citationRecords)}::jsonb) AS c("client_id" text, ${citationSet.definition})
      ), cited AS (
        INSERT INTO message_citations AS t (message_id, ${citationSet.columns()})
        SELECT saved.id, ${citationSet.columns('c')}
        FROM source c JOIN saved ON saved.client_id = c.client_id
        ON CONFLICT (message_id, citation_index) DO UPDATE SET ${citationConflictSet}
      ), uncited AS (
        -- Citations of an updated message past its new number of sources (the others were replaced above).
        DELETE FROM message_citations c
        USING saved
        WHERE c.message_id = saved.id AND NOT saved.inserted
          AND c.citation_index > (SELECT count(*) FROM source WHERE source.client_id = saved.client_id)
      )`;
}
